package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/internal/sqlitero"
)

// demoSpec is the sample the demo builds (package corpus): a small
// messenger database with deleted rows, so that its freelist keeps stale
// pages, as an app's database does after a user clears a chat.
var demoSpec = corpus.Spec{Seed: 1, Deletes: true}

// demoDBName is the sample's file name in the demo's directory.
const demoDBName = "messenger.db"

// buildSample builds the demo's sample at path, which must not exist,
// with corpus.Generate, in a scratch directory beside it and renamed into
// place.
func buildSample(ctx context.Context, path string) (err error) {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s already exists; the sample is only written to a new file", path)
	}
	scratch, err := os.MkdirTemp(filepath.Dir(path), ".sample-")
	if err != nil {
		return err
	}
	defer func() {
		if rerr := os.RemoveAll(scratch); err == nil {
			err = rerr
		}
	}()
	db, err := corpus.Generate(ctx, scratch, demoSpec)
	if err != nil {
		return err
	}
	return os.Rename(db.Path, path)
}

// destroyPage1 copies db to broken with its first page zero-filled, with
// the corpus's zero-page1 operator (which also handles a WAL's page 1).
func destroyPage1(ctx context.Context, db, broken string) error {
	_, err := corpus.Corrupt(ctx, db, broken, corpus.Corruption{Kind: corpus.ZeroPage1, Seed: 1})
	return err
}

// sqliteOpenError shows what SQLite makes of a file, opened as every
// command opens what it only reads (sqlitero), so that nothing is left
// beside it.
func sqliteOpenError(ctx context.Context, path string) error {
	db, err := sqlitero.Open(ctx, path, sqlitero.Options{AsIs: true})
	if err != nil {
		return sqliteSays(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		return sqliteSays(err)
	}
	return fmt.Errorf("opens, and sees %d schema rows", n)
}

// sqliteSays is SQLite's own error inside err, without the layers that
// wrap it: the demo shows what SQLite answers.
func sqliteSays(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se
	}
	return err
}

// compareWithOriginal compares the recovered database with the original
// row by row (corpus.RecordTruth reads the original's rows with SQLite,
// corpus.Score matches them): every row of every table must be back,
// identical, and nothing added.
func compareWithOriginal(ctx context.Context, original, recovered string, w io.Writer) error {
	truth, err := corpus.RecordTruth(ctx, original)
	if err != nil {
		return err
	}
	sc, err := corpus.Score(ctx, truth, recovered, nil)
	if err != nil {
		return err
	}
	for _, t := range sc.Tables {
		fmt.Fprintf(w, "  %-16s %4d rows in the original, %4d identical in the recovered database\n", t.Table, t.Original, t.Exact)
	}
	for _, t := range sc.Tables {
		if t.Exact != t.Original || t.Altered+t.Invented+t.Duplicates > 0 {
			return fmt.Errorf("table %s: %d of %d rows came back identical, %d altered, %d invented, %d duplicated",
				t.Table, t.Exact, t.Original, t.Altered, t.Invented, t.Duplicates)
		}
	}
	fmt.Fprintf(w, "All %d rows of %d tables are back, identical.\n", sc.Total.Original, len(sc.Tables))
	return nil
}
