package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/master"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "build a sample app database and show what dbrescue sees in it",
		Description: "Builds a small messenger-style database with SQLite (contacts, conversations,\n" +
			"messages with large attachments, an index, a WITHOUT ROWID table, a view, a trigger,\n" +
			"a dropped table on the freelist), closes it, takes a metadata backup of it, and\n" +
			"inspects it with dbrescue's own page reader. Each step is explained on stderr;\n" +
			"the report goes to stdout.\n\n" +
			"Examples:\n" +
			"   dbrescue demo\n" +
			"   dbrescue demo --dir /tmp/rescue-demo\n" +
			"   dbrescue demo --json 2>/dev/null | jq .page_kinds",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "build the sample in `DIR` and keep it (default: a temporary directory, removed afterwards)"},
			&cli.BoolFlag{Name: "json", Usage: "write the inspect report as JSON"},
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
			explain: "Build a sample messenger database with SQLite (modernc.org/sqlite), as an app would, and close it.",
			run: func(ctx context.Context, d *demoRun) error {
				return buildSampleDB(ctx, d.dbPath)
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
			explain: "Inspect it with dbrescue's own page reader, without SQLite: the same code path as `dbrescue inspect`.",
			run: func(ctx context.Context, d *demoRun) error {
				return runInspect(ctx, d.dbPath, inspectOptions{JSON: d.opts.JSON}, d.stdout, d.stderr)
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
	d.dbPath = filepath.Join(d.dir, sampleDBFileName)

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
