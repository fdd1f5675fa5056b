package pagefile_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// fixtureDir holds databases built once for the whole package run; TestMain
// removes it.
var fixtureDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pagefile-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// walDB is a WAL database built by testdb: the main file, its WAL (committed
// frames and an uncommitted tail of page 1 and t's root), and facts about it.
type walDB struct {
	Main, WAL []byte
	PageSize  int
	TRoot     uint32 // root page of table t
}

var walFixture = struct {
	once sync.Once
	db   *walDB
	err  error
}{}

// walConfig is the geometry of the shared WAL fixture: small pages, so that
// the WAL holds many frames and several commits in little space.
var walConfig = testdb.Config{PageSize: 1024, Encoding: pagefile.EncodingUTF8, AutoVacuum: "none", Rows: 200, WAL: true, Seed: 1}

// loadWALDB builds (once) and returns the shared WAL fixture. Callers must
// not modify the returned slices; use clone.
func loadWALDB(t *testing.T) *walDB {
	t.Helper()
	walFixture.once.Do(func() {
		dir := filepath.Join(fixtureDir, "wal")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			walFixture.err = err
			return
		}
		path, err := testdb.Build(context.Background(), dir, walConfig)
		if err != nil {
			walFixture.err = err
			return
		}
		d := &walDB{PageSize: walConfig.PageSize}
		if d.Main, err = os.ReadFile(path); err != nil {
			walFixture.err = err
			return
		}
		if d.WAL, err = os.ReadFile(path + "-wal"); err != nil {
			walFixture.err = err
			return
		}
		// t's root as SQLite sees it, read from a copy.
		err = withSQLite(filepath.Join(dir, "probe"), d.Main, d.WAL, func(db *sql.DB) error {
			return db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 't'`).Scan(&d.TRoot)
		})
		walFixture.db, walFixture.err = d, err
	})
	if walFixture.err != nil {
		t.Fatalf("building the WAL fixture: %v", walFixture.err)
	}
	return walFixture.db
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// writeDB writes a database (and a -wal when wal is not nil) into a new
// temporary directory and returns the database path.
func writeDB(t *testing.T, main, wal []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	if err := os.WriteFile(path, main, 0o644); err != nil {
		t.Fatal(err)
	}
	if wal != nil {
		if err := os.WriteFile(path+"-wal", wal, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// withSQLite writes main (and wal) to fresh files under dir and runs fn on
// a single SQLite connection to them. SQLite may recover, checkpoint and
// delete the copy's WAL; the caller's bytes are never touched.
func withSQLite(dir string, main, wal []byte, fn func(*sql.DB) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "copy.db")
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	if err := os.WriteFile(path, main, 0o644); err != nil {
		return err
	}
	if wal != nil {
		if err := os.WriteFile(path+"-wal", wal, 0o644); err != nil {
			return err
		}
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// No fsync when SQLite checkpoints the copy on close.
	if _, err := db.Exec(`PRAGMA synchronous = OFF`); err != nil {
		return err
	}
	return fn(db)
}

// sqlitePages returns every page of the database as SQLite sees it (main
// file with the WAL applied), read through the sqlite_dbpage table;
// pages[0] is page 1.
func sqlitePages(t *testing.T, main, wal []byte) [][]byte {
	t.Helper()
	var pages [][]byte
	err := withSQLite(t.TempDir(), main, wal, func(db *sql.DB) error {
		var n uint32
		if err := db.QueryRow(`PRAGMA page_count`).Scan(&n); err != nil {
			return err
		}
		for pgno := uint32(1); pgno <= n; pgno++ {
			var b []byte
			if err := db.QueryRow(`SELECT data FROM sqlite_dbpage WHERE pgno = ?`, pgno).Scan(&b); err != nil {
				return fmt.Errorf("page %d: %w", pgno, err)
			}
			pages = append(pages, b)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading pages through SQLite: %v", err)
	}
	return pages
}

// sourcePages reads every page of s.
func sourcePages(t *testing.T, s pagefile.Source) [][]byte {
	t.Helper()
	var pages [][]byte
	for pgno := uint32(1); pgno <= s.PageCount(); pgno++ {
		b := make([]byte, s.PageSize())
		if err := s.ReadPage(pgno, b); err != nil {
			t.Fatalf("ReadPage(%d): %v", pgno, err)
		}
		pages = append(pages, b)
	}
	return pages
}

// diffPages compares page images and reports the first few that differ by
// number, rather than dumping kilobytes of bytes.
func diffPages(want, got [][]byte) string {
	var out string
	if len(want) != len(got) {
		out = fmt.Sprintf("page count: want %d, got %d\n", len(want), len(got))
	}
	bad := 0
	for i := range min(len(want), len(got)) {
		if string(want[i]) != string(got[i]) {
			if bad++; bad <= 5 {
				out += fmt.Sprintf("page %d differs (first at byte %d)\n", i+1, firstDiff(want[i], got[i]))
			}
		}
	}
	if bad > 5 {
		out += fmt.Sprintf("... %d pages differ in all\n", bad)
	}
	return out
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// problem is the comparable part of a *pagefile.CorruptError: where, and
// which sentinel (by name) errors.Is finds.
type problem struct {
	Pgno   uint32
	Offset int64
	Cause  string
}

var sentinels = []struct {
	name string
	err  error
}{
	{"ErrLoop", pagefile.ErrLoop},
	{"ErrOutOfRange", pagefile.ErrOutOfRange},
	{"ErrTruncated", pagefile.ErrTruncated},
	{"ErrBadValue", pagefile.ErrBadValue},
}

// describe turns err into a problem, checking that it is a *CorruptError
// through errors.As and naming its cause through errors.Is.
func describe(err error) problem {
	if err == nil {
		return problem{Cause: "no error"}
	}
	var ce *pagefile.CorruptError
	if !errors.As(err, &ce) {
		return problem{Cause: fmt.Sprintf("%T is not a *CorruptError: %v", err, err)}
	}
	p := problem{Pgno: ce.Pgno, Offset: ce.Offset, Cause: "no sentinel"}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			p.Cause = s.name
			break
		}
	}
	return p
}

func describeAll[E error](errs []E) []problem {
	var out []problem
	for _, e := range errs {
		out = append(out, describe(e))
	}
	return out
}
