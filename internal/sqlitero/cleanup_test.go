//go:build unix

package sqlitero

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// TestCloseRemovesWhatSQLiteCreated forces the plan Open chooses when a
// connection it saw has closed in between (Shared, on a WAL-mode database
// with no -wal or -shm left): SQLite's mode=ro connection creates both,
// and Close must take them away again.
func TestCloseRemovesWhatSQLiteCreated(t *testing.T) {
	path := testdb.BuildState(t, t.TempDir(), testdb.ClosedWAL, 299)
	before := testdb.Listing(t, filepath.Dir(path))
	db := openShared(t, path)
	rowCount(t, db.DB)
	if diff := cmp.Diff(before, testdb.Listing(t, filepath.Dir(path))); diff == "" {
		t.Fatal("SQLite created no -wal or -shm: the test no longer reproduces what Close cleans up")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	testdb.SameListing(t, filepath.Dir(path), before)
}

// TestCloseLeavesWhatAnotherConnectionUses: a connection that opened the
// database while Open's was reading owns the -wal and -shm by the time
// Close runs; they stay, and it goes on working.
func TestCloseLeavesWhatAnotherConnectionUses(t *testing.T) {
	for _, where := range []string{"same process", "other process"} {
		t.Run(where, func(t *testing.T) {
			path := testdb.BuildState(t, t.TempDir(), testdb.ClosedWAL, 299)
			db := openShared(t, path)
			rowCount(t, db.DB)
			if where == "same process" {
				w := writer(t, path, true)
				defer func() {
					insertRows(t, w, 1000, 1010)
					if got := rowCount(t, w); got != 309 {
						t.Errorf("the other connection counts %d rows, want 309", got)
					}
				}()
				rowCount(t, w)
			} else {
				defer holdOpenElsewhere(t, path)()
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"app.db-wal", "app.db-shm"} {
				if _, ok := testdb.Listing(t, filepath.Dir(path))[name]; !ok {
					t.Errorf("%s, in use by another connection, was removed", name)
				}
			}
		})
	}
}

// openShared opens path as Open does when it sees another connection.
func openShared(t *testing.T, path string) *DB {
	t.Helper()
	db, err := open(context.Background(), path, path, plan{how: Shared, wal: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}
