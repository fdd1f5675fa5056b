package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/master"
)

func metabackupCommand() *cli.Command {
	return &cli.Command{
		Name:      "metabackup",
		Usage:     "save what a repair needs from a healthy database into a small side file",
		ArgsUsage: "DB",
		Description: "Captures, from one consistent snapshot of DB, the header fields, every sqlite_master\n" +
			"row, the AUTOINCREMENT counters, how SQLite stores each table's columns, and which\n" +
			"pages belong to which b-tree with a CRC and cell count of each leaf, a CRC of\n" +
			"each overflow page and each tree's entry count, and writes them to FILE\n" +
			"(default DB.meta) atomically, keeping the file it replaces as FILE.prev.\n" +
			"A writer using DB in WAL mode is never blocked. When DB has not changed since\n" +
			"FILE was written, nothing is captured and the answer is \"unchanged\" (unless\n" +
			"FILE comes from an older dbrescue and lacks the counts).\n" +
			"Flags may come before or after DB.\n\n" +
			"Examples:\n" +
			"   dbrescue metabackup app.db\n" +
			"   dbrescue metabackup app.db -o /backups/app.meta --json\n" +
			"   dbrescue metabackup --schema-only app.db",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the backup to `FILE` (default DB.meta)"},
			&cli.BoolFlag{Name: "schema-only", Usage: "capture the schema and header only, no page lists (fastest)"},
			&cli.BoolFlag{Name: "force", Usage: "capture even when DB looks unchanged since FILE was written"},
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
		}, cipherFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			cipher, err := inputCipher(cmd, args[0])
			if err != nil {
				return err
			}
			out := cmd.String("output")
			if out == "" {
				out = args[0] + ".meta"
			}
			res, err := runMetabackup(ctx, args[0], out, master.Options{SchemaOnly: cmd.Bool("schema-only"), Cipher: cipher}, cmd.Bool("force"))
			if err != nil {
				return err
			}
			if cmd.Bool("json") {
				return writeJSON(cmd.Writer, res)
			}
			return res.printText(cmd.Writer)
		},
	}
}

// metabackupResult is the JSON document of metabackup. Fields are only
// ever added, never renamed.
type metabackupResult struct {
	Status        string  `json:"status"` // "written" or "unchanged"
	Database      string  `json:"database"`
	Meta          string  `json:"meta"`
	SchemaOnly    bool    `json:"schema_only"`
	MetaBytes     int64   `json:"meta_bytes,omitempty"`
	DatabaseBytes int64   `json:"database_bytes"`
	MetaPercent   float64 `json:"meta_percent,omitempty"`
	Tables        int     `json:"tables,omitempty"`
	Indexes       int     `json:"indexes,omitempty"`
	Trees         int     `json:"trees,omitempty"`
	PagesListed   int     `json:"pages_listed,omitempty"`
	PagesReadFrom string  `json:"pages_read_from,omitempty"`
	ElapsedMS     float64 `json:"elapsed_ms"`
}

// runMetabackup captures unless the database is unchanged since out was
// written (or force is set), and writes out atomically. out and out.prev
// may never be the database or one of its companions, whatever force says.
func runMetabackup(ctx context.Context, db, out string, opts master.Options, force bool) (*metabackupResult, error) {
	start := time.Now()
	if err := outputs.Check(new(outputs.Files).Database(db), new(outputs.Files).Meta(out)); err != nil {
		return nil, err
	}
	st, err := os.Stat(db)
	if err != nil {
		return nil, err
	}
	res := &metabackupResult{Database: db, Meta: out, SchemaOnly: opts.SchemaOnly, DatabaseBytes: st.Size()}
	if !force {
		same, err := master.Unchanged(db, out, opts)
		if err != nil {
			return nil, err
		}
		if same {
			res.Status = "unchanged"
			res.ElapsedMS = msSince(start)
			return res, nil
		}
	}
	m, err := master.Capture(ctx, db, opts)
	if err != nil {
		return nil, err
	}
	if err := master.WriteFile(out, m); err != nil {
		return nil, err
	}
	written, err := os.Stat(out)
	if err != nil {
		return nil, err
	}
	res.Status = "written"
	res.MetaBytes = written.Size()
	res.MetaPercent = 100 * float64(written.Size()) / float64(max(1, st.Size()))
	res.Tables, res.Indexes, res.Trees = len(m.Tables), len(m.Indexes), len(m.Trees)
	for _, t := range m.Trees {
		res.PagesListed += len(t.Interior) + len(t.Leaves) + len(t.Overflow)
	}
	res.PagesReadFrom = m.PagesReadFrom
	res.ElapsedMS = msSince(start)
	return res, nil
}

func (r *metabackupResult) printText(w io.Writer) error {
	p := &textPrinter{w: w}
	if r.Status == "unchanged" {
		p.printf("unchanged: %s is up to date for %s (checked in %.1f ms)\n", r.Meta, r.Database, r.ElapsedMS)
		return p.err
	}
	p.printf("wrote %s: %d bytes, %.3f%% of the %d-byte database, in %.1f ms\n", r.Meta, r.MetaBytes, r.MetaPercent, r.DatabaseBytes, r.ElapsedMS)
	p.printf("  %d tables, %d indexes", r.Tables, r.Indexes)
	if r.SchemaOnly {
		p.printf("; schema only, no page lists\n")
	} else {
		p.printf(", %d b-trees, %d pages listed (read from %s)\n", r.Trees, r.PagesListed, r.PagesReadFrom)
	}
	return p.err
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
