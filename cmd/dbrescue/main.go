// Command dbrescue is the command-line face of the dbrescue toolkit: it
// inspects SQLite databases page by page without going through SQLite,
// draws their page maps, takes metadata and page-level backups, and
// repairs them.
//
// The CLI only wires things together: it parses the command line, calls the
// packages that do the work (inspect, pagemap, recover, backup, master,
// corpus), prints a report and exits with a code scripts can branch on
// (see exitcode.go). It decodes no page and classifies none itself. Data and JSON go to stdout; progress and diagnostics
// go to stderr, so `dbrescue inspect --json app.db > report.json` stays
// clean.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/batch"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	if batch.IsChild() {
		// Started by a batch repair to repair one database (package
		// batch): no command line to parse.
		code := batch.ServeChild(ctx, os.Stdin, os.Stdout)
		stop()
		os.Exit(code)
	}
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line (args[0] is the program name) and returns
// the process exit code. It is main without the process: tests call it
// in-process with buffers for stdout and stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cli.VersionPrinter = printVersion
	root := newRootCommand(stdout, stderr)
	// `dbrescue help NOSUCHTOPIC` is reported through CommandNotFound, which
	// cannot return an error; left alone urfave/cli would exit 3, a code
	// that means "partial recovery" here.
	var topicErr error
	root.CommandNotFound = func(_ context.Context, cmd *cli.Command, topic string) {
		topicErr = usageErrorf(cmd.FullName(), "no help topic for %q", topic)
	}
	err := root.Run(ctx, helpArgs(root, args))
	if err == nil {
		err = topicErr
	}
	return exitCode(err, stderr)
}

// newRootCommand builds a fresh command tree. urfave/cli keeps parsed flag
// values inside the Command values, so every run needs its own tree.
func newRootCommand(stdout, stderr io.Writer) *cli.Command {
	root := &cli.Command{
		Name:  "dbrescue",
		Usage: "inspect, back up and repair damaged SQLite databases",
		Description: "dbrescue reads SQLite files page by page with its own parser, so it can\n" +
			"look at databases SQLite itself refuses to open.\n\n" +
			"No command ever writes over a file it reads or one that belongs to it (the\n" +
			"database's -wal, -shm, -journal; a metadata backup's .prev; a backup's .manifest),\n" +
			"by name, symbolic link or hard link, whatever --force says: that is exit 2.\n\n" +
			"Examples:\n" +
			"   dbrescue demo\n" +
			"   dbrescue inspect app.db\n" +
			"   dbrescue inspect --json app.db > report.json\n" +
			"   dbrescue help inspect",
		Writer:    stdout,
		ErrWriter: stderr,
		Commands: []*cli.Command{
			inspectCommand(),
			repairCommand(),
			exportCommand(),
			metabackupCommand(),
			metaCommand(),
			backupCommand(),
			restoreCommand(),
			verifyCommand(),
			backupsCommand(),
			demoCommand(),
			corruptCommand(),
			scoreCommand(),
			versionCommand(),
		},
		// --version prints what `dbrescue version` prints.
		Version: readBuildVersion().Version,
		// Without an Action urfave/cli shows help for an unknown command
		// name and exits 3; a mistyped command is a usage error.
		Action: func(_ context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() {
				return usageErrorf(cmd.FullName(), "unknown command %q", cmd.Args().First())
			}
			return usageErrorf(cmd.FullName(), "no command given")
		},
		// The default handler calls os.Exit; run maps errors to exit codes
		// itself so tests can run the app in-process.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
	setUsageErrorHandlers(root)
	return root
}
