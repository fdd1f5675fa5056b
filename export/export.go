package export

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/internal/sqlitero"
)

// Export writes the tables of the database at input as opts says and
// reports what it wrote. The input is only read (package sqlitero); an
// output file is written whole or not at all. On an error, files already
// renamed into place stay (each is complete); the one being written does
// not appear.
func Export(ctx context.Context, input string, opts Options) (*Report, error) {
	if err := checkOptions(&opts); err != nil {
		return nil, err
	}
	db, err := sqlitero.Open(ctx, input, sqlitero.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tables, later, err := readSchema(ctx, db.DB)
	if err != nil {
		return nil, err
	}
	chosen, err := pick(tables, opts.Tables)
	if err != nil {
		return nil, err
	}
	if opts.Format != SQL {
		chosen = slices.DeleteFunc(chosen, func(t *table) bool { return t.internal() })
	}
	rep := &Report{Input: input, Format: opts.Format, Output: opts.Output}
	if opts.Format != SQL {
		rep.Blobs = opts.Blobs
	}
	files, err := plan(input, chosen, opts, rep)
	if err != nil {
		return nil, err
	}
	if err := checkFiles(input, opts, files); err != nil {
		return nil, err
	}
	if opts.Format == SQL {
		err = exportSQL(ctx, db.DB, chosen, later, opts, files[0], rep)
	} else {
		err = exportTables(ctx, db.DB, chosen, opts, files, rep)
	}
	return rep, err
}

func checkOptions(opts *Options) error {
	if !slices.Contains(Formats, opts.Format) {
		return optionErrorf(ErrBadOption, "unknown format %q (sql, csv or ndjson)", opts.Format)
	}
	if opts.Blobs == "" {
		opts.Blobs = Hex
	}
	if opts.Blobs != Hex && opts.Blobs != Base64 {
		return optionErrorf(ErrBadOption, "unknown BLOB encoding %q (hex or base64)", opts.Blobs)
	}
	if opts.Output == "" || (opts.Output == Stdout && opts.Stdout == nil) {
		return optionErrorf(ErrBadOption, "no output")
	}
	return nil
}

// plan names the output files and fills the report's tables: one script
// for SQL, one file per table otherwise; Stdout for each when the output
// is stdout, which takes CSV or NDJSON of one table only.
func plan(input string, chosen []*table, opts Options, rep *Report) ([]string, error) {
	var names []string
	switch {
	case opts.Output == Stdout && opts.Format != SQL && len(chosen) != 1:
		return nil, optionErrorf(ErrBadOption, "%s writes one file per table: give a directory, or one --table to write to stdout (%d tables chosen)", opts.Format, len(chosen))
	case opts.Format == SQL:
		base := strings.TrimSuffix(filepath.Base(input), filepath.Ext(input))
		names = fileNames([]string{base}, ".sql")
	default:
		tn := make([]string, len(chosen))
		for i, t := range chosen {
			tn[i] = t.Name
		}
		names = fileNames(tn, "."+string(opts.Format))
	}
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = Stdout
		if opts.Output != Stdout {
			files[i] = filepath.Join(opts.Output, n)
			rep.Files = append(rep.Files, files[i])
		}
	}
	for i, t := range chosen {
		if t.internal() {
			continue
		}
		file := files[0]
		if opts.Format != SQL {
			file = files[i]
		}
		rep.Tables = append(rep.Tables, &TableReport{Name: t.Name, File: file, Columns: t.readable,
			LostAndFound: strings.HasPrefix(t.Name, "lost_and_found"), DeletedRows: strings.HasPrefix(t.Name, "dbrescue_deleted_")})
	}
	return files, nil
}

// checkFiles applies the outputs rule (no output is the input or a file
// of it, whatever Force says), to the directory and then to the files in
// it, making the directory in between when it is missing.
func checkFiles(input string, opts Options, files []string) error {
	if opts.Output == Stdout {
		return nil
	}
	reads := new(outputs.Files).Database(input)
	if err := outputs.Check(reads, new(outputs.Files).File(opts.Output)); err != nil {
		return err
	}
	if err := makeDir(opts.Output); err != nil {
		return err
	}
	writes := new(outputs.Files)
	for _, f := range files {
		writes.File(f)
	}
	if err := outputs.Check(reads, writes); err != nil {
		return err
	}
	return refuseExisting(files, opts.Force)
}

func exportSQL(ctx context.Context, db *sql.DB, chosen []*table, later []object, opts Options, file string, rep *Report) error {
	s, err := newSink(file, opts.Stdout)
	if err != nil {
		return err
	}
	counts, err := writeSQL(ctx, db, s, chosen, later, len(opts.Tables) == 0)
	if err != nil {
		s.abort()
		return err
	}
	for _, t := range rep.Tables {
		t.Rows = counts[t.Name]
		rep.Rows += t.Rows
	}
	return s.commit()
}

func exportTables(ctx context.Context, db *sql.DB, chosen []*table, opts Options, files []string, rep *Report) error {
	for i, t := range chosen {
		s, err := newSink(files[i], opts.Stdout)
		if err != nil {
			return err
		}
		var n int
		if opts.Format == CSV {
			n, err = writeCSV(ctx, db, s, t, opts.Blobs)
		} else {
			n, err = writeNDJSON(ctx, db, s, t, opts.Blobs)
		}
		if err != nil {
			s.abort()
			return err
		}
		if err := s.commit(); err != nil {
			return err
		}
		rep.Tables[i].Rows = n
		rep.Rows += n
	}
	return nil
}
