package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "build a sample app database and show what dbrescue sees in it",
		Description: "Tells the whole rescue story on a sample: builds a small messenger-style database\n" +
			"with SQLite (contacts, conversations, messages with large attachments, indexes, a\n" +
			"WITHOUT ROWID table, a view, a trigger, deleted rows), takes a metadata backup while\n" +
			"it is healthy, destroys page 1 of a copy so SQLite cannot open it, repairs the copy\n" +
			"with the backup, and compares the result with the original row by row. Each step is\n" +
			"explained on stderr; the repair report goes to stdout.\n\n" +
			"Examples:\n" +
			"   dbrescue demo\n" +
			"   dbrescue demo --dir /tmp/rescue-demo\n" +
			"   dbrescue demo --json 2>/dev/null | jq .tables",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "build the sample in `DIR` and keep it (default: a temporary directory, removed afterwards)"},
			&cli.BoolFlag{Name: "json", Usage: "write the repair report as JSON"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if _, err := positionalArgs(cmd); err != nil {
				return err
			}
			return runDemo(ctx, demoOptions{Dir: cmd.String("dir"), JSON: cmd.Bool("json")}, cmd.Writer, cmd.ErrWriter)
		},
	}
}

// demoOptions are the demo command's flags.
type demoOptions struct {
	Dir  string // empty: a temporary directory
	JSON bool
}

func (d *demoRun) brokenPath() string    { return filepath.Join(d.dir, "broken.db") }
func (d *demoRun) recoveredPath() string { return filepath.Join(d.dir, "recovered.db") }

// demoRun is the state the demo's steps share.
type demoRun struct {
	opts   demoOptions
	dir    string
	dbPath string
	stdout io.Writer
	stderr io.Writer
}

// demoStep is one stage of the demo: a sentence saying what happens and
// why, printed on stderr, and the code doing it. The demo is meant to grow
// into the whole rescue story (metadata backup, destroy page 1, repair,
// report): each of those becomes one more step in demoSteps.
type demoStep struct {
	explain string
	run     func(context.Context, *demoRun) error
}

func demoSteps() []demoStep {
	return []demoStep{
		{
			explain: "Build a sample messenger database with SQLite (modernc.org/sqlite, through package corpus), as an app would, and close it.",
			run: func(ctx context.Context, d *demoRun) error {
				return buildSample(ctx, d.dbPath)
			},
		},
		{
			explain: "While it is healthy, take a metadata backup beside it (`dbrescue metabackup`): schema, header fields and every b-tree's pages, in a few KB.",
			run: func(ctx context.Context, d *demoRun) error {
				res, err := runMetabackup(ctx, d.dbPath, d.dbPath+".meta", master.Options{}, false)
				if err != nil {
					return err
				}
				return res.printText(d.stderr)
			},
		},
		{
			explain: "Disaster: page 1 (the header and sqlite_master) is overwritten with zeros, as field reports most often show. SQLite can no longer open the file.",
			run: func(ctx context.Context, d *demoRun) error {
				if err := destroyPage1(ctx, d.dbPath, d.brokenPath()); err != nil {
					return err
				}
				fmt.Fprintf(d.stderr, "SQLite on %s: %v\n", filepath.Base(d.brokenPath()), sqliteOpenError(ctx, d.brokenPath()))
				return nil
			},
		},
		{
			explain: "Repair it with the metadata backup (`dbrescue repair broken.db --meta messenger.db.meta`): every row goes back into its own table in a fresh database.",
			run: func(ctx context.Context, d *demoRun) error {
				rep, err := recover.Repair(ctx, d.brokenPath(), recover.Options{Output: d.recoveredPath(), MetaPaths: []string{d.dbPath + ".meta"}})
				if err != nil {
					return err
				}
				if d.opts.JSON {
					return writeJSON(d.stdout, rep)
				}
				return printRepairReport(d.stdout, rep)
			},
		},
		{
			explain: "Check the result against the original's rows, read with SQLite: the same rows in every table.",
			run: func(ctx context.Context, d *demoRun) error {
				return compareWithOriginal(ctx, d.dbPath, d.recoveredPath(), d.stderr)
			},
		},
	}
}

// runDemo runs every demo step in order and stops at the first failure.
func runDemo(ctx context.Context, opts demoOptions, stdout, stderr io.Writer) (err error) {
	d := &demoRun{opts: opts, dir: opts.Dir, stdout: stdout, stderr: stderr}
	if d.dir == "" {
		if d.dir, err = os.MkdirTemp("", "dbrescue-demo-"); err != nil {
			return err
		}
		defer func() {
			if rerr := os.RemoveAll(d.dir); err == nil {
				err = rerr
			}
		}()
	} else if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return err
	}
	d.dbPath = filepath.Join(d.dir, demoDBName)

	steps := demoSteps()
	for i, s := range steps {
		fmt.Fprintf(stderr, "[%d/%d] %s\n", i+1, len(steps), s.explain)
		if err := s.run(ctx, d); err != nil {
			return fmt.Errorf("demo step %d: %w", i+1, err)
		}
	}
	if opts.Dir != "" {
		fmt.Fprintf(stderr, "The sample database is kept at %s.\n", d.dbPath)
	}
	return nil
}
