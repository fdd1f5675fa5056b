package main

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/master"
)

func metaCommand() *cli.Command {
	return &cli.Command{
		Name:  "meta",
		Usage: "show or verify a metadata backup",
		Description: "A metadata backup (dbrescue metabackup DB writes DB.meta) holds what a repair\n" +
			"needs from a healthy database: its header fields, every sqlite_master row, the\n" +
			"AUTOINCREMENT counters and the pages of every b-tree with their CRCs. `meta show`\n" +
			"prints one (times in --json as RFC 3339 text beside the nanosecond numbers);\n" +
			"`meta verify` checks one and its previous generation (FILE.prev).\n\n" +
			"Examples:\n" +
			"   dbrescue meta show app.db.meta\n" +
			"   dbrescue meta show --json app.db.meta > meta.json\n" +
			"   dbrescue meta verify app.db.meta",
		Commands: []*cli.Command{metaShowCommand(), metaVerifyCommand()},
	}
}

func metaShowCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print every field of a metadata backup",
		ArgsUsage: "FILE",
		Description: "Reads FILE, verifies its checksums, and prints the header fields, the fingerprint,\n" +
			"every sqlite_master row with its SQL, the AUTOINCREMENT counters, each table's\n" +
			"columns and storage, each index, and each b-tree's pages with its entry count\n" +
			"and leaf cell counts (leaf and overflow CRCs in --json: overflow_crcs, cells,\n" +
			"entries, and counts, false for a version-1 backup that recorded none).\n\n" +
			"Examples:\n" +
			"   dbrescue meta show app.db.meta\n" +
			"   dbrescue meta show app.db.meta --json",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "write the whole backup as one JSON document"}},
		Action: func(_ context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "FILE")
			if err != nil {
				return err
			}
			m, err := master.ReadFile(args[0])
			if err != nil {
				return err
			}
			if cmd.Bool("json") {
				return writeJSON(cmd.Writer, newMetaDocument(m))
			}
			return printMeta(cmd.Writer, args[0], m)
		},
	}
}

func metaVerifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check a metadata backup and its previous generation",
		ArgsUsage: "FILE",
		Description: "Verifies FILE's magic, format version and checksums and that its content is\n" +
			"coherent, and does the same for FILE.prev when present. Exits 0 when FILE is\n" +
			"valid, 1 when it is not (saying whether FILE.prev could stand in).\n\n" +
			"Examples:\n" +
			"   dbrescue meta verify app.db.meta",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "write the verdicts as one JSON document"}},
		Action: func(_ context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "FILE")
			if err != nil {
				return err
			}
			res := verifyMeta(args[0])
			if cmd.Bool("json") {
				if err := writeJSON(cmd.Writer, res); err != nil {
					return err
				}
			} else if err := res.printText(cmd.Writer); err != nil {
				return err
			}
			if !res.Files[0].Valid {
				return errors.New(res.Files[0].Error)
			}
			return nil
		},
	}
}

// verifyResult is the JSON document of meta verify: one verdict for FILE
// and, when it exists, one for FILE.prev. Fields are only ever added.
type verifyResult struct {
	Files []fileVerdict `json:"files"`
}

type fileVerdict struct {
	Path       string `json:"path"`
	Valid      bool   `json:"valid"`
	Error      string `json:"error,omitempty"`
	CapturedAt int64  `json:"captured_at,omitempty"`
	SchemaOnly bool   `json:"schema_only,omitempty"`
}

func verifyMeta(path string) *verifyResult {
	res := &verifyResult{}
	for i, p := range []string{path, path + master.PrevSuffix} {
		m, err := master.ReadFile(p)
		if i > 0 && errors.Is(err, os.ErrNotExist) {
			break
		}
		v := fileVerdict{Path: p, Valid: err == nil}
		if err != nil {
			v.Error = err.Error()
		} else {
			v.CapturedAt, v.SchemaOnly = m.CapturedAt, m.SchemaOnly
		}
		res.Files = append(res.Files, v)
	}
	return res
}

func (r *verifyResult) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	for _, f := range r.Files {
		if f.Valid {
			what := "with page lists"
			if f.SchemaOnly {
				what = "schema only"
			}
			p.printf("%s: valid (%s, captured %s)\n", f.Path, what, formatNanos(f.CapturedAt))
		} else {
			p.printf("%s: INVALID: %s\n", f.Path, f.Error)
		}
	}
	if len(r.Files) > 1 && !r.Files[0].Valid && r.Files[1].Valid {
		p.printf("the previous generation can be used: dbrescue repair --meta %s ...\n", r.Files[1].Path)
	}
	return p.err
}

// metaDocument is the JSON document of `meta show --json`: the backup as
// package master has it (times in Unix nanoseconds, as scripts written
// against earlier releases read them), and each time again as RFC 3339
// text in UTC, for a person or a script that wants a date.
type metaDocument struct {
	*master.Meta
	CapturedAtTime  string `json:"captured_at_time"`
	DBModifiedTime  string `json:"db_modified_time,omitempty"`
	WALModifiedTime string `json:"wal_modified_time,omitempty"`
}

func newMetaDocument(m *master.Meta) metaDocument {
	return metaDocument{Meta: m, CapturedAtTime: rfc3339(m.CapturedAt),
		DBModifiedTime: rfc3339(m.Fingerprint.DBModNano), WALModifiedTime: rfc3339(m.Fingerprint.WALModNano)}
}

// rfc3339 renders Unix nanoseconds as RFC 3339 text in UTC; 0 (unknown)
// is "".
func rfc3339(nanos int64) string {
	if nanos == 0 {
		return ""
	}
	return time.Unix(0, nanos).UTC().Format(time.RFC3339Nano)
}
