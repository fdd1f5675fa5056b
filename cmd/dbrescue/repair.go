package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/recover"
	"github.com/dbrescue/dbrescue/remote"
)

func repairCommand() *cli.Command {
	return &cli.Command{
		Name:      "repair",
		Usage:     "salvage every readable row of a damaged database into a new one",
		ArgsUsage: "DB | -o OUTDIR DB... | -o OUTDIR --recursive DIR...",
		Description: "Reads DB (with DB-wal, and a hot DB-journal rolled back in memory) page by page\n" +
			"without trusting it, puts every row that survives back into the table it came\n" +
			"from, and writes a fresh database (default DB with .recovered.db) plus a report.\n" +
			"A metadata backup taken while DB was healthy (dbrescue metabackup) lets the repair\n" +
			"work without page 1 or interior pages; give --meta more than once to try several\n" +
			"(each one's .prev generation is tried too). With --backup, rows on pages DB lost\n" +
			"are read from a page-level backup's copy (dbrescue backup); rows DB still holds win\n" +
			"over the backup's; --backup may also name a store (s3://… or file://…, see backup),\n" +
			"whose newest version's pages are fetched one ranged read each, as the repair needs\n" +
			"them. DB, its WAL and its journal are never written. With --map\n" +
			"FILE.html the damaged DB is drawn page by page, each page marked recovered, kept in\n" +
			"lost_and_found, restored from the backup or lost. With --export FORMAT the new\n" +
			"database is also exported (dbrescue export) into OUT-FORMAT (OUT without .db).\n" +
			"Exit 0: nothing lost was detected; 3: rows were recovered but some were lost or\n" +
			"are incomplete; 1: nothing could be recovered.\n" +
			"Flags may come before or after DB.\n\n" +
			"Several databases, or directories with --recursive, are repaired into OUTDIR,\n" +
			"which mirrors their tree: each DB with its DB-wal, DB-journal, metadata backup\n" +
			"DB.meta and page-level backup DB.backup (the names dbrescue metabackup and backup\n" +
			"give them), --jobs at a time, each in a process of its own with a --timeout and\n" +
			"a --memory budget. A line per database as it finishes, then a summary table;\n" +
			"--json: one document at the end, --json-lines: a line per database as it finishes.\n" +
			"Exit 0 only if every database is COMPLETE, 3 if any is PARTIAL, 1 if any failed.\n\n" +
			"Examples:\n" +
			"   dbrescue repair broken.db --meta app.db.meta\n" +
			"   dbrescue repair broken.db -o fixed.db --json > report.json\n" +
			"   dbrescue repair broken.db --meta app.db.meta --backup app.db.backup\n" +
			"   dbrescue repair app.db --deleted -o undeleted.db\n" +
			"   dbrescue repair --force -o fixed.db broken.db\n" +
			"   dbrescue repair broken.db --map broken-pages.html\n" +
			"   dbrescue repair broken.db -o fixed.db --export csv    # also writes fixed-csv/\n" +
			"   dbrescue repair --recursive tickets/ -o fixed/ --jobs 4 --export csv",
		Flags: slices.Concat([]cli.Flag{
			&cli.StringSliceFlag{Name: "meta", Usage: "use the metadata backup `FILE` (repeatable)"},
			&cli.StringFlag{Name: "backup", Usage: "take rows of pages DB lost from the page-level backup `FILE` (dbrescue backup), or from the newest version in the store URL"},
			keyFlag(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the new database to `FILE` (default DB.recovered.db); with several databases, the directory they go to"},
			&cli.BoolFlag{Name: "force", Usage: "replace the output if it exists"},
			&cli.BoolFlag{Name: "json", Usage: "write the report as one JSON document to stdout"},
			&cli.BoolFlag{Name: "deleted", Usage: "also bring back deleted rows that survive in free space, into dbrescue_deleted_<table> tables apart from the live rows"},
			mapFlag("draw the damaged DB, every page marked with what the repair made of it,"),
			exportFlag(),
			encryptOutputFlag(),
		}, walFlags(), journalFlags(), batchFlags(), cipherFlags()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if isBatch(cmd) {
				if cmd.String("key-file") != "" || cmd.Bool("encrypt-output") {
					return usageErrorf(cmd.FullName(), "--key-file and --encrypt-output repair one database at a time")
				}
				return repairBatch(ctx, cmd)
			}
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			if _, err := exportFormat(cmd, "export"); err != nil {
				return err
			}
			in := args[0]
			out := cmd.String("output")
			if out == "" {
				out = strings.TrimSuffix(in, ".db") + ".recovered.db"
			}
			opts := recover.Options{Output: out, Force: cmd.Bool("force"), MetaPaths: cmd.StringSlice("meta"), Deleted: cmd.Bool("deleted"), BoundHeap: true}
			if opts.WALPath, opts.NoWAL, err = sidecarChoice(cmd, "wal"); err != nil {
				return err
			}
			if opts.JournalPath, opts.NoJournal, err = sidecarChoice(cmd, "journal"); err != nil {
				return err
			}
			// recover.Repair checks the output against every input it is
			// given a path of; the backup's, only the CLI knows, and it is
			// checked before backup.Open, which may finish an interrupted
			// update of the backup.
			if err := outputs.Check(new(outputs.Files).Backup(cmd.String("backup")), new(outputs.Files).Database(out)); err != nil {
				return err
			}
			backupPath := cmd.String("backup")
			saltFrom := []string{backupPath}
			if remote.IsURL(backupPath) {
				saltFrom = nil
			}
			if opts.Cipher, err = inputCipherSalts(cmd, in, saltFrom, metaSalts(opts.MetaPaths)); err != nil {
				return err
			}
			if opts.EncryptOutput = cmd.Bool("encrypt-output"); opts.EncryptOutput && opts.Cipher == nil {
				return usageErrorf(cmd.FullName(), "--encrypt-output needs an encrypted input and its key (--key-file or %s)", keyEnv)
			}
			var pageMap *recover.PageMap
			if path := cmd.String("map"); path != "" {
				if err := checkRepairMap(cmd, path, in, out, opts); err != nil {
					return err
				}
				opts.PageMap = func(m *recover.PageMap) { pageMap = m }
			}
			if path := backupPath; remote.IsURL(path) {
				sv, err := openStoreBackup(ctx, cmd, path)
				if err != nil {
					return err
				}
				opts.Backup = &recover.BackupPages{Source: sv.Source, Meta: sv.Meta, Verify: sv.VerifyPage}
				if opts.Cipher != nil {
					if err := decryptBackup(opts.Backup, opts.Cipher); err != nil {
						return fmt.Errorf("backup %s: %w", path, err)
					}
					if sv.Meta == nil {
						opts.Backup.Meta = encryptedStoreMeta(ctx, cmd, sv, opts.Cipher)
					}
				}
			} else if path != "" {
				bf, err := backup.Open(path)
				if err != nil {
					return fmt.Errorf("backup %s: %w", path, err)
				}
				defer bf.Close()
				opts.Backup = &recover.BackupPages{Source: bf.Source, Meta: bf.Meta, Verify: bf.VerifyPage}
				if opts.Cipher != nil {
					if err := decryptBackup(opts.Backup, opts.Cipher); err != nil {
						return fmt.Errorf("backup %s: %w", path, err)
					}
					if bf.Meta == nil {
						opts.Backup.Meta = encryptedBackupMeta(ctx, cmd, path, opts.Cipher)
					}
				}
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
				err = printRepairReport(cmd.Writer, rep)
			}
			if err != nil {
				return err
			}
			if pageMap != nil {
				if err := writeRepairMap(cmd.String("map"), in, pageMap); err != nil {
					return err
				}
			}
			if err := exportRepaired(ctx, cmd, out); err != nil {
				return err
			}
			switch rep.Status {
			case recover.StatusFailed:
				return fmt.Errorf("nothing could be recovered from %s", in)
			case recover.StatusPartial:
				return fmt.Errorf("%w: %d reasons, listed in the report", ErrPartial, len(rep.Reasons))
			}
			return nil
		},
	}
}
