package main

import (
	"context"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
)

func restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "write a page-level backup back as a database",
		ArgsUsage: "BACKUP",
		Description: "Copies BACKUP to DB (default: BACKUP without its .backup suffix), checking every\n" +
			"page against the manifest, into a temporary file that must pass PRAGMA\n" +
			"integrity_check before it is renamed into place, so DB is never half-written. An\n" +
			"existing DB is replaced only with --force; its -wal, -shm and -journal are removed\n" +
			"first, or SQLite would replay the old log over the restored file. Stop every\n" +
			"process using DB before restoring over it.\n\n" +
			"Examples:\n" +
			"   dbrescue restore app.db.backup -o app-restored.db\n" +
			"   dbrescue restore --force app.db.backup",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the database to `DB` (default BACKUP without .backup)"},
			&cli.BoolFlag{Name: "force", Usage: "replace DB if it exists"},
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "BACKUP")
			if err != nil {
				return err
			}
			out := cmd.String("output")
			if out == "" {
				if !strings.HasSuffix(args[0], ".backup") || args[0] == ".backup" {
					return usageErrorf(cmd.FullName(), "BACKUP does not end in .backup: say where to restore with -o DB")
				}
				out = strings.TrimSuffix(args[0], ".backup")
			}
			progress, done := progressOnTerminal(cmd.Root().ErrWriter)
			res, err := backup.Restore(ctx, args[0], out, backup.RestoreOptions{Force: cmd.Bool("force"), Progress: progress})
			done()
			if err != nil {
				return err
			}
			rep := &restoreReport{RestoreResult: res, Snapshot: newSnapshotReport(res.Snapshot)}
			if cmd.Bool("json") {
				return writeJSON(cmd.Writer, rep)
			}
			return rep.printText(cmd.Writer)
		},
	}
}

// restoreReport is the JSON document of restore. Fields are only ever
// added, never renamed.
type restoreReport struct {
	*backup.RestoreResult
	Snapshot snapshotReport `json:"snapshot"` // shadows the raw identity
}

func (r *restoreReport) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	verb := "restored"
	if r.Replaced {
		verb = "replaced"
	}
	p.printf("%s %s from %s: %d pages of %d bytes, every page verified, integrity_check ok, in %.1f ms\n",
		verb, r.Database, r.Backup, r.PageCount, r.PageSize, r.Elapsed)
	for _, f := range r.Removed {
		p.printf("  removed the stale %s\n", f)
	}
	printSnapshot(p, r.Snapshot)
	return p.err
}
