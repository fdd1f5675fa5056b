package testdb

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// OpenCopy opens, through SQLite, a copy of the database at path (and of
// its WAL when wal is set), so that SQLite's WAL recovery and checkpoints
// cannot change the files under test. The handle is closed when the test
// ends.
func OpenCopy(t testing.TB, path string, wal bool) *sql.DB {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "copy.db")
	suffixes := []string{""}
	if wal {
		suffixes = append(suffixes, "-wal")
	}
	for _, suffix := range suffixes {
		if err := fsutil.CopyFile(path+suffix, cp+suffix); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
