package sqlitero

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// TestOpenLeavesTheDirectoryAsFound opens databases nobody else has open,
// in each state a copied or abandoned database can be in, and checks that
// SQLite reads every committed row while the directory (names and
// content) stays exactly as it was.
func TestOpenLeavesTheDirectoryAsFound(t *testing.T) {
	want := map[testdb.State]How{testdb.CopiedWAL: View, testdb.ClosedWAL: Immutable, testdb.Rollback: ReadOnly}
	testdb.ForEachState(t, 1000, func(t *testing.T, s testdb.State, path string, before map[string]string) {
		db, err := Open(context.Background(), path, Options{Pragmas: []string{"busy_timeout(5000)"}})
		if err != nil {
			t.Fatal(err)
		}
		type opened struct {
			How  How
			WAL  bool
			Rows int
			View bool
		}
		got := opened{db.How, db.WAL, rowCount(t, db.DB), db.View != nil}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		w := opened{want[s], s != testdb.Rollback, 1000, want[s] == View}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("open (-want +got):\n%s", diff)
		}
		testdb.SameListing(t, filepath.Dir(path), before)
	})
}
