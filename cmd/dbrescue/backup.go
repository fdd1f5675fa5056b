package main

import (
	"context"
	"encoding/hex"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/remote"
)

func backupCommand() *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "take a consistent page-level backup of a live database",
		ArgsUsage: "DB",
		Description: "Copies DB, page for page, from one consistent snapshot into FILE (default\n" +
			"DB.backup), N pages per step with a pause between steps, while other processes keep\n" +
			"writing. In WAL mode the snapshot is one read transaction held for the whole copy:\n" +
			"writers are never blocked, the copy always completes, and it is read from the\n" +
			"database file and WAL once they are proven equal to what SQLite serves (close to the\n" +
			"speed of cp), or with SQLite's online backup API (--backup-api, several times slower).\n" +
			"By default the copy runs at full speed while nobody else writes and slows down\n" +
			"(2ms per MiB) as soon as another connection commits, to stay out of the app's way.\n" +
			"In rollback-journal mode the backup API copies DB between commits; each commit\n" +
			"restarts the copy, which gives up with a clear error after a few restarts.\n\n" +
			"Beside FILE it writes FILE.manifest: the CRC32C of every page, the snapshot's\n" +
			"identity and the metadata backup of the same snapshot. When FILE already holds a\n" +
			"backup, only the pages whose CRC changed are written, under an undo journal, so a\n" +
			"crash at any moment leaves the previous backup (or the new one, once committed)\n" +
			"intact. When DB has not changed since FILE was written, nothing is copied and the\n" +
			"answer is \"unchanged\". A progress bar is drawn on stderr when stderr is a\n" +
			"terminal. Flags may come before or after DB.\n\n" +
			"With -o s3://BUCKET/PREFIX[?endpoint=URL&path-style=true&region=R] or -o file://DIR,\n" +
			"each run adds a version to that store: the pages whose CRC differs from the newest\n" +
			"version's are packed into compressed segments and uploaded (all of them the first\n" +
			"time), then the version's manifest is created, last, so a run killed at any moment\n" +
			"leaves the previous version complete. Credentials and region come from the AWS\n" +
			"environment and config chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,\n" +
			"AWS_ENDPOINT_URL_S3, AWS_PROFILE), never from flags. --encrypt-key-file (or\n" +
			"DBRESCUE_ENCRYPT_KEY_FILE) seals every object with AES-256-GCM; --max-rate caps the\n" +
			"upload rate; --keep and --keep-within prune old versions and the segments only they\n" +
			"used, safely while other backups run; --watch keeps going, a version after every\n" +
			"change, until SIGINT or SIGTERM, which let the version under way finish.\n\n" +
			"Examples:\n" +
			"   dbrescue backup app.db\n" +
			"   dbrescue backup app.db -o /backups/app.db.backup --json\n" +
			"   dbrescue backup --step-pages 256 --pause 5ms app.db\n" +
			"   dbrescue backup --full-speed app.db\n" +
			"   dbrescue backup app.db -o s3://my-bucket/app --keep 48\n" +
			"   dbrescue backup --watch --interval 30s app.db -o 's3://b/app?endpoint=http://127.0.0.1:7070'\n" +
			"   dbrescue backup app.db -o file:///mnt/nas/app --encrypt-key-file app.key\n\n" +
			"A database encrypted with SQLCipher (or WCDB) is backed up without the key: its\n" +
			"ciphertext pages are copied under the locks an SQLite reader takes (and, in WAL mode,\n" +
			"the WAL read lock that keeps checkpoints out), the manifest's CRCs are over the\n" +
			"ciphertext, and verify and restore need no key. The page size comes from the key\n" +
			"(--key-file or DBRESCUE_KEY, which also confirms it by decrypting page 1), the WAL\n" +
			"header, --cipher / --cipher-page-size, or SQLCipher 4's 4096. No metadata backup is\n" +
			"stored with it; repair --backup --key-file takes it from the backup's decrypted pages.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the backup to `FILE` (default DB.backup), or a version to a store URL (s3://BUCKET/PREFIX, file://DIR)"},
			&cli.IntFlag{Name: "step-pages", Value: 1024, Usage: "copy `N` pages per step"},
			&cli.DurationFlag{Name: "pause", Usage: "sleep `D` between steps (e.g. 5ms) instead of the automatic pace"},
			&cli.BoolFlag{Name: "full-speed", Usage: "never pause, however busy the writers are"},
			&cli.BoolFlag{Name: "full", Usage: "copy every page even when an incremental update is possible"},
			&cli.BoolFlag{Name: "backup-api", Usage: "copy with SQLite's online backup API even when the files can be read directly"},
			&cli.BoolFlag{Name: "force", Usage: "back up even when DB looks unchanged; overwrite a FILE that is not a backup"},
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
		}, append(storeBackupFlags(), cipherFlags()...)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			if cmd.Int("step-pages") <= 0 || cmd.Int("step-pages") > 1<<30 {
				return usageErrorf(cmd.FullName(), "--step-pages must be between 1 and %d", 1<<30)
			}
			pause := cmd.Duration("pause")
			switch {
			case pause < 0:
				return usageErrorf(cmd.FullName(), "--pause must not be negative")
			case cmd.Bool("full-speed") && pause > 0:
				return usageErrorf(cmd.FullName(), "--full-speed and --pause contradict each other")
			case cmd.Bool("full-speed"):
				pause = backup.NoPause
			}
			out := cmd.String("output")
			if out == "" {
				out = args[0] + ".backup"
			}
			read := backup.Options{
				StepPages: int(cmd.Int("step-pages")), Pause: pause,
				Full: cmd.Bool("full"), Force: cmd.Bool("force"), BackupAPI: cmd.Bool("backup-api"),
			}
			if read.Encryption, err = backupEncryption(cmd, args[0]); err != nil {
				return err
			}
			if remote.IsURL(out) {
				return backupToStore(ctx, cmd, args[0], out, read)
			}
			if err := refuseStoreFlags(cmd, "backup file", storeOnly...); err != nil {
				return err
			}
			progress, done := progressOnTerminal(cmd.Root().ErrWriter)
			read.Progress = progress
			res, err := backup.Run(ctx, args[0], out, read)
			done()
			if err != nil {
				return err
			}
			rep := newBackupReport(args[0], res)
			if cmd.Bool("json") {
				return writeJSON(cmd.Writer, rep)
			}
			return rep.printText(cmd.Writer)
		},
	}
}

// backupReport is the JSON document of backup. Fields are only ever
// added, never renamed.
type backupReport struct {
	Status         string         `json:"status"` // "written" or "unchanged"
	Mode           string         `json:"mode"`   // "full", "incremental" or "unchanged"
	Database       string         `json:"database"`
	Backup         string         `json:"backup"`
	Manifest       string         `json:"manifest"`
	CopiedWith     string         `json:"copied_with,omitempty"`     // "snapshot-copy", "backup-api" or "snapshot-diff"
	PagesReadFrom  string         `json:"pages_read_from,omitempty"` // for snapshot-copy and -diff: "file", "file+wal" or "sqlite_dbpage"
	PageSizeFrom   string         `json:"page_size_from,omitempty"`  // encrypted: "the key", "the WAL header", "the cipher parameters" or "the default (SQLCipher 4)"
	PageSize       int            `json:"page_size"`
	PageCount      uint32         `json:"page_count"`
	PagesWritten   int            `json:"pages_written"`
	PercentWritten float64        `json:"percent_written"`
	BytesWritten   int64          `json:"bytes_written"`
	JournalBytes   int64          `json:"journal_bytes"`
	Steps          int            `json:"steps"`
	Restarts       int            `json:"restarts"`
	WritersSeen    bool           `json:"writers_seen"` // other connections committed during a WAL-mode copy
	BusyRetries    int            `json:"busy_retries"`
	Recovered      string         `json:"recovered,omitempty"`
	Snapshot       snapshotReport `json:"snapshot"`
	ElapsedMS      float64        `json:"elapsed_ms"`
}

// snapshotReport is a backup's snapshot identity in JSON and text.
type snapshotReport struct {
	CapturedAt    string `json:"captured_at"` // RFC 3339, UTC
	SchemaCookie  uint32 `json:"schema_cookie"`
	ChangeCounter uint32 `json:"change_counter"`
	Digest        string `json:"digest"` // hex SHA-256 of the page CRCs
	JournalMode   string `json:"journal_mode"`
	Source        string `json:"source"`
	// Encrypted: SQLCipher ciphertext pages, copied without the key.
	Encrypted bool `json:"encrypted,omitempty"`
}

func newSnapshotReport(s backup.Snapshot) snapshotReport {
	return snapshotReport{
		CapturedAt:   time.Unix(0, s.CapturedAt).UTC().Format(time.RFC3339Nano),
		SchemaCookie: s.SchemaCookie, ChangeCounter: s.ChangeCounter,
		Digest: hex.EncodeToString(s.Digest[:]), JournalMode: s.JournalMode, Source: s.Source, Encrypted: s.Encrypted,
	}
}

func newBackupReport(db string, r *backup.Result) *backupReport {
	rep := &backupReport{
		Status: "written", Mode: r.Mode, Database: db, Backup: r.Path, Manifest: r.Manifest,
		CopiedWith: r.CopiedWith, PagesReadFrom: r.PagesReadFrom, PageSizeFrom: r.PageSizeFrom, PageSize: r.PageSize, PageCount: r.PageCount,
		PagesWritten: r.PagesWritten, BytesWritten: r.BytesWritten, JournalBytes: r.JournalBytes,
		Steps: r.Steps, Restarts: r.Restarts, WritersSeen: r.WritersSeen, BusyRetries: r.BusyRetries, Recovered: r.Recovered,
		Snapshot: newSnapshotReport(r.Snapshot), ElapsedMS: r.Elapsed,
	}
	if r.Mode == backup.ModeUnchanged {
		rep.Status = "unchanged"
	}
	if r.PageCount > 0 {
		rep.PercentWritten = 100 * float64(r.PagesWritten) / float64(r.PageCount)
	}
	return rep
}

func (r *backupReport) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	if r.Recovered != "" {
		p.printf("an interrupted earlier backup was found: its journal was %s\n", r.Recovered)
	}
	switch r.Mode {
	case backup.ModeUnchanged:
		p.printf("unchanged: %s is up to date for %s (checked in %.1f ms)\n", r.Backup, r.Database, r.ElapsedMS)
		return p.err
	case backup.ModeFull:
		p.printf("full backup of %s to %s: %d pages of %d bytes written in %.1f ms\n", r.Database, r.Backup, r.PagesWritten, r.PageSize, r.ElapsedMS)
	default:
		p.printf("incremental backup of %s to %s: %d of %d pages changed and written (%.2f%%) in %.1f ms\n",
			r.Database, r.Backup, r.PagesWritten, r.PageCount, r.PercentWritten, r.ElapsedMS)
	}
	p.printf("  copied with %s", r.CopiedWith)
	if r.PagesReadFrom != "" {
		p.printf(" (pages read from %s)", r.PagesReadFrom)
	}
	p.printf(", %d steps, %d restarts\n", r.Steps, r.Restarts)
	if r.WritersSeen {
		p.printf("  other connections committed during the copy (at the automatic pace, it then slows down to stay out of their way)\n")
	}
	printSnapshot(p, r.Snapshot)
	printPageSizeFrom(p, r.PageSize, r.PageSizeFrom)
	if r.Snapshot.Encrypted {
		p.printf("  manifest %s\n", r.Manifest)
	} else {
		p.printf("  manifest %s, with the metadata backup of the same snapshot\n", r.Manifest)
	}
	return p.err
}

func printSnapshot(p *textPrinter, s snapshotReport) {
	p.printf("  snapshot of %s taken %s: %s mode, schema cookie %d, change counter %d, digest %.16s…\n",
		s.Source, s.CapturedAt, s.JournalMode, s.SchemaCookie, s.ChangeCounter, s.Digest)
	if s.Encrypted {
		p.printf("  encrypted (SQLCipher): ciphertext pages copied without the key, CRCs over the ciphertext; no metadata backup (repair --backup --key-file reads it from the backup's decrypted pages)\n")
	}
}

// backupEncryption says how backup reads an encrypted DB: with the key
// when one was given (it fixes and checks the page size), else with the
// page size of --cipher / --cipher-page-size when either was given; nil
// leaves it to package backup, which recognises an encrypted file and
// then assumes SQLCipher 4's page size unless the WAL header says another.
func backupEncryption(cmd *cli.Command, db string) (*backup.Encryption, error) {
	p, err := cipherParams(cmd)
	if err != nil {
		return nil, err
	}
	key, _, err := readKey(cmd)
	if err != nil {
		return nil, err
	}
	if key == nil && p.PlaintextHeader == 0 {
		if head, err := fsutil.ReadPrefix(db, 16); err == nil && string(head) == pagefile.Magic {
			return nil, nil // a plain database: the cipher flags do not apply
		}
	}
	if key != nil {
		key.Zero()
		c, err := inputCipher(cmd, db)
		if err != nil || c == nil {
			return nil, err // no cipher: DB is a plain database after all
		}
		return &backup.Encryption{PageSize: c.Params.PageSize, Cipher: c}, nil
	}
	if cmd.IsSet("cipher") || cmd.IsSet("cipher-page-size") {
		return &backup.Encryption{PageSize: p.PageSize}, nil
	}
	return nil, nil
}

// printPageSizeFrom says where an encrypted database's page size came
// from, and what to do when it was only assumed: a wrong one does not
// spoil verify or restore (the bytes are the same) but keeps repair
// --backup from reading the backup's pages.
func printPageSizeFrom(p *textPrinter, size int, from string) {
	switch from {
	case "":
	case backup.PageSizeFromDefault:
		p.printf("  page size %d assumed (SQLCipher 4's default): if the database uses another (SQLCipher 3: 1024), say so with --cipher or --cipher-page-size, or give the key, so that repair --backup can read the backup's pages\n", size)
	default:
		p.printf("  page size %d from %s\n", size, from)
	}
}
