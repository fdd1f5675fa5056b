package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/recover"
)

func repairCommand() *cli.Command {
	return &cli.Command{
		Name:      "repair",
		Usage:     "salvage every readable row of a damaged database into a new one",
		ArgsUsage: "DB",
		Description: "Reads DB (and DB-wal) page by page without trusting it, puts every row that\n" +
			"survives back into the table it came from, and writes a fresh database (default\n" +
			"DB with .recovered.db) plus a report. A metadata backup taken while DB was healthy\n" +
			"(dbrescue metabackup) lets the repair work without page 1 or interior pages; give\n" +
			"--meta more than once to try several (each one's .prev generation is tried too).\n" +
			"With --backup, rows on pages DB lost are read from a page-level backup's copy\n" +
			"(dbrescue backup); rows DB still holds win over the backup's.\n" +
			"DB and its WAL are never written. Exit 0: nothing lost was detected; 3: rows were\n" +
			"recovered but some were lost or are incomplete; 1: nothing could be recovered.\n" +
			"Flags may come before or after DB.\n\n" +
			"Examples:\n" +
			"   dbrescue repair broken.db --meta app.db.meta\n" +
			"   dbrescue repair broken.db -o fixed.db --json > report.json\n" +
			"   dbrescue repair broken.db --meta app.db.meta --backup app.db.backup\n" +
			"   dbrescue repair --force -o fixed.db broken.db",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "meta", Usage: "use the metadata backup `FILE` (repeatable)"},
			&cli.StringFlag{Name: "backup", Usage: "take rows of pages DB lost from the page-level backup `FILE` (dbrescue backup)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the new database to `FILE` (default DB.recovered.db)"},
			&cli.BoolFlag{Name: "force", Usage: "replace the output if it exists"},
			&cli.BoolFlag{Name: "json", Usage: "write the report as one JSON document to stdout"},
			&cli.StringFlag{Name: "wal", Usage: "overlay this `WAL` instead of DB-wal"},
			&cli.BoolFlag{Name: "no-wal", Usage: "ignore any WAL"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			in := args[0]
			out := cmd.String("output")
			if out == "" {
				out = strings.TrimSuffix(in, ".db") + ".recovered.db"
			}
			opts := recover.Options{Output: out, Force: cmd.Bool("force"), MetaPaths: cmd.StringSlice("meta"),
				WALPath: cmd.String("wal"), NoWAL: cmd.Bool("no-wal")}
			// recover.Repair checks the output against every input it is
			// given a path of; the backup's, only the CLI knows, and it is
			// checked before backup.Open, which may finish an interrupted
			// update of the backup.
			if err := outputs.Check(new(outputs.Files).Backup(cmd.String("backup")), new(outputs.Files).Database(out)); err != nil {
				return err
			}
			if path := cmd.String("backup"); path != "" {
				bf, err := backup.Open(path)
				if err != nil {
					return fmt.Errorf("backup %s: %w", path, err)
				}
				defer bf.Close()
				opts.Backup = &recover.BackupPages{Source: bf.Source, Meta: bf.Meta, Verify: bf.VerifyPage}
			}
			progress, done := progressOnTerminal(cmd.Root().ErrWriter)
			if progress != nil {
				opts.Progress = func(phase string, n, total int) {
					progress(backup.Progress{Phase: phase, Done: n, Total: total})
				}
			}
			rep, err := recover.Repair(ctx, in, opts)
			done()
			if errors.Is(err, recover.ErrOutputExists) {
				return usageErrorf(cmd.FullName(), "%v", err)
			}
			if err != nil {
				return err
			}
			if cmd.Bool("json") {
				err = writeJSON(cmd.Writer, rep)
			} else {
				err = printRepairReport(cmd.ErrWriter, rep)
			}
			if err != nil {
				return err
			}
			switch rep.Status {
			case recover.StatusFailed:
				return fmt.Errorf("nothing could be recovered from %s", in)
			case recover.StatusPartial:
				return fmt.Errorf("%w: see the report for what was lost", ErrPartial)
			}
			return nil
		},
	}
}

// printRepairReport writes the report for a person, on stderr: stdout is
// kept for --json.
func printRepairReport(w io.Writer, r *recover.Report) error {
	p := &textPrinter{w: w}
	p.printf("Repaired %s -> %s: %s\n", r.Input, r.Output, strings.ToUpper(r.Status))
	g := r.Geometry
	p.printf("  page size %d (reserved %d) from the %s, text %s from the %s\n", g.PageSize, g.Reserved, g.From, g.Encoding, g.EncFrom)
	if r.Meta != "" {
		p.printf("  metadata backup: %s\n", r.Meta)
	}
	for _, e := range r.MetaErrors {
		p.printf("  metadata backup not usable: %s\n", e)
	}
	if r.WAL.Present {
		p.printf("  WAL: %d committed frames overlaid, %d uncommitted ignored", r.WAL.CommittedFrames, r.WAL.UncommittedFrames)
		if r.WAL.Stop != "" {
			p.printf("; stopped: %s", r.WAL.Stop)
		}
		p.printf("\n")
	}
	pg := r.Pages
	p.printf("  pages: %d total, %d walked, %d orphaned, %d freelist, %d pointer-map, %d zero, %d unreadable, %d missing",
		pg.Total, pg.Walked, pg.Orphaned, pg.Freelist, pg.Ptrmap, pg.Zero, pg.Unreadable, pg.Missing)
	if r.Backup {
		p.printf("; %d lost pages read from the backup", pg.FromBackup)
	}
	p.printf("\n")
	tw := p.table()
	fmt.Fprintf(tw, "  TABLE\tROWS\tWALKED\tORPHANS\tCRC-OK\tBACKUP\tTRUNCATED\tDUPLICATES\tREJECTED\tSCHEMA\n")
	for _, t := range r.Tables {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", t.Name, t.RowsWritten, t.FromWalk, t.FromOrphans, t.FromCRC, t.FromBackup, t.Truncated, t.Duplicates, t.Rejected, t.SchemaFrom)
	}
	p.flush(tw)
	for _, l := range r.LostAndFound {
		p.printf("  %s: %d rows from a %s b-tree of %d pages (top page %d) no table claimed\n", l.Table, l.Rows, l.Kind, l.Pages, l.RootGuess)
	}
	for _, s := range r.RejectedSQL {
		p.printf("  rejected: %s\n", s)
	}
	for _, s := range r.NotCreated {
		p.printf("  not created: %s\n", s)
	}
	if r.DamageCount > 0 {
		p.printf("  damage met: %d problems, first: %s\n", r.DamageCount, r.Damage[0])
	}
	p.printf("  score: %.1f%% of row pages recovered (%d recovered, %d lost); integrity_check: %s; %.0f ms, %.1f MB/s\n",
		r.Score.Percent, r.Score.RowPagesRecovered, r.Score.RowPagesLost, r.Integrity, r.ElapsedMS, r.MBPerSecond)
	return p.err
}
