package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/remote"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check a page-level backup against its manifest and with integrity_check",
		ArgsUsage: "FILE | URL",
		Description: "Checks FILE.manifest (magic, version, checksum, digest, the metadata backup it\n" +
			"holds), that FILE has the size the manifest says, the CRC32C of every page, and runs\n" +
			"SQLite's PRAGMA integrity_check on FILE (read-only, creating no -wal or -shm). If a\n" +
			"backup was interrupted, its journal is applied first, as SQLite does with a hot\n" +
			"journal. Exits 0 when FILE is a valid backup, 1 when it is not.\n\n" +
			"Given a store URL (see backup), it proves a version (the newest, or --version or\n" +
			"--at) restorable: it downloads it into a temporary file (removed afterwards; no\n" +
			"database is written anywhere else), checks every frame and segment CRC, the whole\n" +
			"database's SHA-256 digest and integrity_check.\n\n" +
			"Examples:\n" +
			"   dbrescue verify app.db.backup\n" +
			"   dbrescue verify --json app.db.backup\n" +
			"   dbrescue verify s3://my-bucket/app --encrypt-key-file app.key\n\n" +
			"A backup of an encrypted (SQLCipher) database is checked by page CRCs and digest\n" +
			"without the key; integrity_check needs it and is skipped, and said to be, unless\n" +
			"--key-file (or DBRESCUE_KEY) gives it: SQLite then reads FILE through a decrypting\n" +
			"read-only view (nothing decrypted is written), for a store's version too.",
		Flags: append(append([]cli.Flag{&cli.BoolFlag{Name: "json", Usage: "write the verdict as one JSON document"}, keyFlag()}, selectorFlags()...), cipherFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "FILE")
			if err != nil {
				return err
			}
			var r *backup.Report
			if remote.IsURL(args[0]) {
				r, err = verifyStore(ctx, cmd, args[0])
			} else if err = refuseStoreFlags(cmd, "FILE", "version", "at", "encrypt-key-file"); err == nil {
				r, err = backup.Verify(ctx, args[0])
				if err == nil && r.IntegritySkipped != "" {
					err = checkDecrypted(ctx, cmd, args[0], r)
				}
			}
			if err != nil {
				return err
			}
			rep := newVerifyReport(r)
			if cmd.Bool("json") {
				err = writeJSON(cmd.Writer, rep)
			} else {
				err = rep.printText(cmd.Writer)
			}
			if err != nil {
				return err
			}
			if !r.OK {
				return fmt.Errorf("%s is not a valid backup: %s", r.Path, strings.Join(r.Problems, "; "))
			}
			return nil
		},
	}
}

// backupVerifyReport is the JSON document of verify: backup.Report with
// the snapshot identity in readable form. Fields are only ever added,
// never renamed.
type backupVerifyReport struct {
	*backup.Report
	Snapshot snapshotReport `json:"snapshot"` // shadows the raw identity
}

func newVerifyReport(r *backup.Report) *backupVerifyReport {
	return &backupVerifyReport{Report: r, Snapshot: newSnapshotReport(r.Snapshot)}
}

func (r *backupVerifyReport) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	if r.Recovered != "" {
		p.printf("%s: an interrupted backup's journal was found and %s\n", r.Path, r.Recovered)
	}
	if r.OK {
		p.printf("%s: valid\n", r.Path)
		p.printf("  %d pages of %d bytes, every page matches its manifest CRC\n", r.PageCount, r.PageSize)
		if r.IntegritySkipped != "" {
			p.printf("  integrity_check: skipped (%s); the pages are SQLCipher ciphertext, checked by CRC and digest only\n", r.IntegritySkipped)
		} else {
			p.printf("  integrity_check: ok\n")
		}
		if v := r.Version; v != nil {
			p.printf("  version %s: every frame and segment CRC, and the SHA-256 of the whole database (%x…), match\n", v.ID, v.Digest[:8])
		}
		printSnapshot(p, r.Snapshot)
		return p.err
	}
	p.printf("%s: INVALID\n", r.Path)
	for _, s := range r.Problems {
		p.printf("  %s\n", s)
	}
	if len(r.BadPages) > 0 {
		p.printf("  pages whose CRC does not match: %v\n", r.BadPages)
	}
	if len(r.IntegrityCheck) > 1 || (len(r.IntegrityCheck) == 1 && r.IntegrityCheck[0] != "ok") {
		p.printf("  integrity_check:\n")
		for _, s := range r.IntegrityCheck {
			p.printf("    %s\n", s)
		}
	}
	return p.err
}

// checkDecrypted runs integrity_check on an encrypted backup FILE when
// verify was given the key; without one the report keeps saying why it
// was skipped.
func checkDecrypted(ctx context.Context, cmd *cli.Command, path string, r *backup.Report) error {
	c, err := inputCipher(cmd, path)
	if err != nil || c == nil {
		return err
	}
	r.CheckDecrypted(ctx, path, c)
	return nil
}
