package main

import (
	"context"
	"fmt"
	"regexp"
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
		return &UsageError{Command: cmd.FullName(), Err: plainFlagValueError(err)}
	}
	if len(cmd.Commands) == 0 {
		cmd.HideHelpCommand = true
	}
	if len(cmd.Commands) > 0 && cmd.Action == nil {
		// Without an Action urfave/cli answers an unknown subcommand with
		// "No help topic" and exit 1; it is a usage error.
		cmd.Action = func(_ context.Context, cmd *cli.Command) error {
			names := make([]string, 0, len(cmd.Commands))
			for _, c := range cmd.VisibleCommands() {
				names = append(names, c.Name)
			}
			if cmd.Args().Present() {
				return usageErrorf(cmd.FullName(), "unknown command %q (%s)", cmd.Args().First(), strings.Join(names, ", "))
			}
			return usageErrorf(cmd.FullName(), "no command given (%s)", strings.Join(names, ", "))
		}
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

// badNumber matches urfave/cli's message for a flag value strconv
// refused ("invalid value "abc" for flag -page: strconv.ParseUint: parsing
// "abc": invalid syntax"); urfave/cli formats the strconv error with %v,
// so the message is all there is to go on.
var badNumber = regexp.MustCompile(`^invalid value (".*") for flag -(\S+): strconv\.Parse(Uint|Int|Float): parsing ".*": (invalid syntax|value out of range)$`)

// plainFlagValueError says a bad number in words a person reads, without
// the name of the Go function that refused it; other errors are returned
// as they are.
func plainFlagValueError(err error) error {
	m := badNumber.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	what := map[string]string{"Uint": "a whole number, 0 or more", "Int": "a whole number", "Float": "a number"}[m[3]]
	if m[4] == "value out of range" {
		return fmt.Errorf("invalid value %s for --%s: out of range", m[1], m[2])
	}
	return fmt.Errorf("invalid value %s for --%s: it must be %s", m[1], m[2], what)
}

// helpArgs rewrites a command line that asks for help anywhere (-h or
// --help before any "--") into one that asks for the help of the command
// it names, dropping the other arguments: `dbrescue repair g.db --help`
// shows repair's help, where urfave/cli would look for a help topic named
// "g.db".
func helpArgs(root *cli.Command, args []string) []string {
	asked := false
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			asked = true
		}
	}
	if !asked {
		return args
	}
	path := []string{args[0]}
	cmd := root
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		sub := cmd.Command(a)
		if sub == nil {
			break
		}
		path = append(path, a)
		cmd = sub
	}
	return append(path, "--help")
}
