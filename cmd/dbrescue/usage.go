package main

import (
	"context"
	"strings"

	"github.com/urfave/cli/v3"
)

// setUsageErrorHandlers makes every command in the tree turn command-line
// mistakes (unknown flag, bad flag value, missing flag value) into a
// *UsageError, which exits 2. urfave/cli's default prints the whole help
// page to stdout and returns a plain error, which would exit 1 and pollute
// data output.
//
// Commands without subcommands also lose urfave/cli's implicit "help"
// subcommand: with it, a database file named "help" or "h" would be taken
// for a request for help. `dbrescue help inspect` and `--help` still work.
func setUsageErrorHandlers(cmd *cli.Command) {
	cmd.OnUsageError = func(_ context.Context, cmd *cli.Command, err error, _ bool) error {
		return &UsageError{Command: cmd.FullName(), Err: err}
	}
	if len(cmd.Commands) == 0 {
		cmd.HideHelpCommand = true
	}
	for _, sub := range cmd.Commands {
		setUsageErrorHandlers(sub)
	}
}

// positionalArgs returns the command's positional arguments when there are
// exactly as many as names (e.g. "DB"), and a *UsageError naming the missing
// or extra ones otherwise. Flags may come before or after them: urfave/cli v3
// parses flags anywhere on the command line up to a "--".
func positionalArgs(cmd *cli.Command, names ...string) ([]string, error) {
	args := cmd.Args().Slice()
	switch {
	case len(args) < len(names):
		return nil, usageErrorf(cmd.FullName(), "missing argument %s", strings.Join(names[len(args):], " "))
	case len(args) > len(names):
		return nil, usageErrorf(cmd.FullName(), "unexpected argument %q", args[len(names)])
	}
	return args, nil
}
