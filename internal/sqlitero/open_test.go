package sqlitero

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenLeavesTheDirectoryAsFound opens databases nobody else has open,
// in each state a copied or abandoned database can be in, and checks that
// SQLite reads the committed rows while the directory (names and content)
// stays exactly as it was.
func TestOpenLeavesTheDirectoryAsFound(t *testing.T) {
	cases := []struct {
		name     string
		build    func(t *testing.T, dir string) string
		wantHow  How
		wantWAL  bool
		wantRows int
	}{
		{
			name: "WAL mode, committed rows in a WAL copied without its -shm",
			build: func(t *testing.T, dir string) string {
				src := filepath.Join(t.TempDir(), "app.db")
				db := writer(t, src, true)
				insertRows(t, db, 1, 200)
				execAll(t, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
				insertRows(t, db, 200, 1200) // these stay in the WAL
				path := copyFiles(t, src, dir, "-wal")
				db.Close()
				return path
			},
			wantHow: View, wantWAL: true, wantRows: 1199,
		},
		{
			name:    "WAL mode, no WAL",
			build:   func(t *testing.T, dir string) string { return closedDatabase(t, dir, true) },
			wantHow: Immutable, wantWAL: true, wantRows: 299,
		},
		{
			name:    "rollback-journal mode",
			build:   func(t *testing.T, dir string) string { return closedDatabase(t, dir, false) },
			wantHow: ReadOnly, wantRows: 299,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := c.build(t, dir)
			before := listing(t, dir)
			db, err := Open(context.Background(), path, Options{Pragmas: []string{"busy_timeout(5000)"}})
			if err != nil {
				t.Fatal(err)
			}
			got := struct {
				How  How
				WAL  bool
				Rows int
				View bool
			}{db.How, db.WAL, rowCount(t, db.DB), db.View != nil}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			want := got
			want.How, want.WAL, want.Rows, want.View = c.wantHow, c.wantWAL, c.wantRows, c.wantHow == View
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("open (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, listing(t, dir)); diff != "" {
				t.Errorf("directory after reading (-before +after):\n%s", diff)
			}
		})
	}
}
