package testdb

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// State is a condition a database is found in on disk, for the tests of
// commands that must leave its directory exactly as they found it.
type State string

// The states BuildState makes.
const (
	// CopiedWAL: WAL mode, the last rows committed in a -wal that was
	// copied without its -shm, as a file copy of a live database or a
	// killed app leaves them. Nobody has it open.
	CopiedWAL State = "wal-copied"
	// ClosedWAL: WAL mode, closed by its last connection, which
	// checkpointed and deleted -wal and -shm.
	ClosedWAL State = "wal-closed"
	// Rollback: rollback-journal mode.
	Rollback State = "rollback"
)

// States lists every State.
var States = []State{CopiedWAL, ClosedWAL, Rollback}

// BuildState creates dir/app.db in state s with SQLite: a table
// t(id INTEGER PRIMARY KEY, v TEXT) holding rows 1 to rows, each about
// 200 bytes. In CopiedWAL only the first fifth of the rows is in the main
// file; the rest are committed in the WAL.
func BuildState(t testing.TB, dir string, s State, rows int) string {
	t.Helper()
	path := filepath.Join(dir, "app.db")
	src := path
	if s == CopiedWAL {
		src = filepath.Join(t.TempDir(), "app.db")
	}
	db, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if s != Rollback {
		exec(`PRAGMA journal_mode=WAL`)
		exec(`PRAGMA wal_autocheckpoint=0`)
	}
	exec(`CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`)
	insert := func(from, to int) {
		exec(fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i+1 FROM n WHERE i < %d)
			INSERT INTO t SELECT i, printf('row %%d %%.200c', i, 'x') FROM n`, from, to))
	}
	insert(1, rows/5)
	if s == CopiedWAL {
		exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	insert(rows/5+1, rows)
	if s == CopiedWAL {
		CopyFiles(t, src, dir, "-wal")
	}
	return path
}

// CopyFiles copies the database at path into dir, with those of its
// companions (suffixes such as "-wal") that exist, as a file copy taken
// while a writer is open or after it was killed leaves them, and returns
// the copy's path.
func CopyFiles(t testing.TB, path, dir string, suffixes ...string) string {
	t.Helper()
	dst := filepath.Join(dir, filepath.Base(path))
	for _, sfx := range append([]string{""}, suffixes...) {
		if _, err := os.Stat(path + sfx); sfx != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := fsutil.CopyFile(path+sfx, dst+sfx); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// Listing maps every file in dir to the SHA-256 of its content (a symbolic
// link to "-> target", a directory to ""): names and bytes, what a command
// that only reads must leave as it found them.
func Listing(t testing.TB, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		switch {
		case e.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = "-> " + target
			continue
		case e.IsDir():
			out[e.Name()+"/"] = ""
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = hex.EncodeToString(sum[:])
	}
	return out
}

// SameListing fails the test unless dir holds what before (a Listing)
// holds, byte for byte, plus the given outputs (names in dir), which must
// exist: what a command that writes only its outputs must leave.
func SameListing(t testing.TB, dir string, before map[string]string, outputs ...string) {
	t.Helper()
	after := Listing(t, dir)
	for _, name := range outputs {
		if _, ok := after[name]; !ok {
			t.Errorf("output %s was not written", name)
		}
		delete(after, name)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("directory %s (-before +after, outputs left out):\n%s", dir, diff)
	}
}

// ForEachState runs f as a subtest for every State, in a fresh directory
// holding the database BuildState makes (of rows rows) at path, with the
// directory's Listing taken before f runs.
func ForEachState(t *testing.T, rows int, f func(t *testing.T, s State, path string, before map[string]string)) {
	t.Helper()
	for _, s := range States {
		t.Run(string(s), func(t *testing.T) {
			dir := t.TempDir()
			path := BuildState(t, dir, s, rows)
			f(t, s, path, Listing(t, dir))
		})
	}
}
