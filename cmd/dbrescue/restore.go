package main

import (
	"context"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/remote"
)

func restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "write a page-level backup back as a database",
		ArgsUsage: "BACKUP | URL",
		Description: "Copies BACKUP to DB (default: BACKUP without its .backup suffix), checking every\n" +
			"page against the manifest, into a temporary file that must pass PRAGMA\n" +
			"integrity_check before it is renamed into place, so DB is never half-written. An\n" +
			"existing DB is replaced only with --force; its -wal, -shm and -journal are removed\n" +
			"first, or SQLite would replay the old log over the restored file. Stop every\n" +
			"process using DB before restoring over it.\n\n" +
			"From a store (s3://BUCKET/PREFIX or file://DIR, see backup), -o is required; the\n" +
			"newest version is restored, or the one --version or --at names. Only the frames\n" +
			"that version uses are downloaded; every page is checked against its CRC, the whole\n" +
			"database against the version's SHA-256 digest, then integrity_check, before the\n" +
			"rename. A wrong or missing key (--encrypt-key-file) is an error that writes nothing.\n\n" +
			"Examples:\n" +
			"   dbrescue restore app.db.backup -o app-restored.db\n" +
			"   dbrescue restore --force app.db.backup\n" +
			"   dbrescue restore s3://my-bucket/app --at 2026-11-29T06:00:00Z -o app.db",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the database to `DB` (default BACKUP without .backup)"},
			&cli.BoolFlag{Name: "force", Usage: "replace DB if it exists"},
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
			keyFlag(),
		}, selectorFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "BACKUP")
			if err != nil {
				return err
			}
			out := cmd.String("output")
			if remote.IsURL(args[0]) {
				return restoreFromStore(ctx, cmd, args[0], out)
			}
			if err := refuseStoreFlags(cmd, "BACKUP", "version", "at", "encrypt-key-file"); err != nil {
				return err
			}
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
			return printRestore(cmd, res)
		},
	}
}

// restoreReport is the JSON document of restore. Fields are only ever
// added, never renamed.
type restoreReport struct {
	*backup.RestoreResult
	Snapshot snapshotReport `json:"snapshot"` // shadows the raw identity
}

// printRestore writes restore's report, as JSON with --json.
func printRestore(cmd *cli.Command, res *backup.RestoreResult) error {
	rep := &restoreReport{RestoreResult: res, Snapshot: newSnapshotReport(res.Snapshot)}
	if cmd.Bool("json") {
		return writeJSON(cmd.Writer, rep)
	}
	return rep.printText(cmd.Writer)
}

func (r *restoreReport) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	verb := "restored"
	if r.Replaced {
		verb = "replaced"
	}
	check := "integrity_check ok"
	if r.IntegritySkipped != "" {
		check = "integrity_check skipped (" + r.IntegritySkipped + "): the database is SQLCipher ciphertext, written back as backed up; open it with its key"
	}
	p.printf("%s %s from %s: %d pages of %d bytes, every page verified, %s, in %.1f ms\n",
		verb, r.Database, r.Backup, r.PageCount, r.PageSize, check, r.Elapsed)
	for _, f := range r.Removed {
		p.printf("  removed the stale %s\n", f)
	}
	if r.Version != "" {
		p.printf("  version %s, %s downloaded, the SHA-256 of the whole database checked\n", r.Version, humanBytes(r.BytesDownloaded))
	}
	printSnapshot(p, r.Snapshot)
	return p.err
}
