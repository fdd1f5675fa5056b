package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/master"
)

func metaCommand() *cli.Command {
	return &cli.Command{
		Name:  "meta",
		Usage: "show or verify a metadata backup",
		Description: "Examples:\n" +
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
				return writeJSON(cmd.Writer, m)
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
