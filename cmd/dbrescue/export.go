package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/export"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a database's tables as a SQL script, CSV or NDJSON for the customer",
		ArgsUsage: "DB",
		Description: "Reads DB (a repaired database, typically) through SQLite without changing it or\n" +
			"leaving anything beside it, and writes its tables:\n" +
			"  sql     one script, DIR/DB.sql, that rebuilds the database in the sqlite3 shell\n" +
			"          (like .dump: schema, rows in one transaction, then indexes, views, triggers)\n" +
			"  csv     one RFC 4180 file per table (DIR/TABLE.csv, CRLF line ends), a header row\n" +
			"          of column names; NULL is the empty field; BLOBs in --blobs encoding\n" +
			"  ndjson  one file per table (DIR/TABLE.ndjson), one JSON object per row, keys in\n" +
			"          column order; NULL is null; BLOBs are strings in --blobs encoding\n" +
			"lost_and_found_N tables (rows a repair could not give to their table) are exported\n" +
			"under their own name like any other. Characters a file name cannot hold become _.\n" +
			"-o - writes to stdout: the SQL script, or the CSV or NDJSON of one --table.\n" +
			"Default output: stdout for sql, the directory DB-FORMAT (DB without .db) otherwise.\n" +
			"Existing files are only replaced with --force; no output is ever DB or a file of it.\n" +
			"Flags may come before or after DB.\n\n" +
			"Examples:\n" +
			"   dbrescue export fixed.db > fixed.sql\n" +
			"   dbrescue export fixed.db --format csv -o for-customer\n" +
			"   dbrescue export fixed.db --format ndjson --table messages -o -\n" +
			"   dbrescue repair broken.db -o fixed.db --export csv",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "sql", Usage: "`FORMAT` of the export: sql, csv or ndjson"},
			&cli.StringSliceFlag{Name: "table", Usage: "export only `TABLE` (repeatable)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write into the directory `DIR`, or - for stdout"},
			&cli.StringFlag{Name: "blobs", Value: "hex", Usage: "how csv and ndjson write BLOBs: `hex` or base64"},
			&cli.BoolFlag{Name: "force", Usage: "replace output files that exist"},
			&cli.BoolFlag{Name: "json", Usage: "write the report as one JSON document to stdout (not with -o -)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			format, err := exportFormat(cmd, "format")
			if err != nil {
				return err
			}
			out := cmd.String("output")
			if out == "" {
				out = defaultExportDir(args[0], format)
			}
			if out == export.Stdout && cmd.Bool("json") {
				return usageErrorf(cmd.FullName(), "--json and -o - both write to stdout: give -o DIR")
			}
			opts := export.Options{Format: format, Tables: cmd.StringSlice("table"), Output: out, Stdout: cmd.Writer,
				Force: cmd.Bool("force"), Blobs: export.BlobEncoding(cmd.String("blobs"))}
			rep, err := runExport(ctx, cmd, args[0], opts)
			if err != nil {
				return err
			}
			switch {
			case cmd.Bool("json"):
				return writeJSON(cmd.Writer, rep)
			case out == export.Stdout:
				return printExportReport(cmd.Root().ErrWriter, rep)
			}
			return printExportReport(cmd.Writer, rep)
		},
	}
}

// defaultExportDir is where an export goes without -o: stdout for SQL,
// DB-FORMAT beside DB otherwise.
func defaultExportDir(db string, format export.Format) string {
	if format == export.SQL {
		return export.Stdout
	}
	return export.DirBeside(db, format)
}

// exportFormat reads the export format flag named flag ("" when not
// given); an unknown one is a usage error.
func exportFormat(cmd *cli.Command, flag string) (export.Format, error) {
	format := export.Format(cmd.String(flag))
	if format != "" && !slices.Contains(export.Formats, format) {
		return "", usageErrorf(cmd.FullName(), "--%s %q: use sql, csv or ndjson", flag, format)
	}
	return format, nil
}

// runExport runs the export, turning the mistakes on the command line it
// finds into usage errors.
func runExport(ctx context.Context, cmd *cli.Command, db string, opts export.Options) (*export.Report, error) {
	rep, err := export.Export(ctx, db, opts)
	var optErr *export.OptionError
	if errors.As(err, &optErr) {
		return nil, &UsageError{Command: cmd.FullName(), Err: optErr}
	}
	return rep, err
}

// printExportReport says what was written where, a line per table.
func printExportReport(w io.Writer, r *export.Report) error {
	p := &textPrinter{w: w}
	where := r.Output
	if where == export.Stdout {
		where = "stdout"
	}
	p.printf("Exported %s from %s to %s as %s\n", plural(len(r.Tables), "table"), r.Input, where, r.Format)
	tw := p.table()
	fmt.Fprintf(tw, "  TABLE\tROWS\tFILE\n")
	for _, t := range r.Tables {
		name := clean(t.Name)
		if t.LostAndFound {
			name += " (lost and found: rows whose table is unknown)"
		}
		file := t.File
		if file != export.Stdout {
			file = filepath.Base(file)
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", name, t.Rows, clean(file))
	}
	p.flush(tw)
	return p.err
}

// exportFlag is repair's --export.
func exportFlag() cli.Flag {
	return &cli.StringFlag{Name: "export", Usage: "also export the repaired database as `FORMAT` (sql, csv or ndjson) into OUT-FORMAT"}
}

// exportRepaired runs repair's --export on the repaired database out,
// into OUT-FORMAT beside it. Its report goes to stdout after the
// repair's, or to stderr when stdout holds the repair's JSON.
func exportRepaired(ctx context.Context, cmd *cli.Command, out string) error {
	format := export.Format(cmd.String("export"))
	if format == "" {
		return nil
	}
	opts := export.Options{Format: format, Output: export.DirBeside(out, format), Force: cmd.Bool("force")}
	rep, err := runExport(ctx, cmd, out, opts)
	if err != nil {
		return err
	}
	w := cmd.Writer
	if cmd.Bool("json") {
		w = cmd.Root().ErrWriter
	}
	return printExportReport(w, rep)
}
