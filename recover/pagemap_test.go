package recover_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/recover"
)

// pageMapDB is a database of two tables over several pages of 1024
// bytes, an index, rows long enough for overflow chains, and a freelist,
// with the census of it: what every page was before the damage.
func pageMapDB(t *testing.T) (string, *census.Census) {
	t.Helper()
	db := newDB(t, t.TempDir(), "app.db",
		`CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`,
		`CREATE INDEX t_v ON t(v)`,
		`CREATE TABLE gone(x)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
			INSERT INTO t SELECT i, printf('row %d %.60c', i, 'x') FROM n`,
		`INSERT INTO t VALUES (1000, printf('%.3000c', 'y'))`,
		`INSERT INTO gone SELECT v FROM t`,
		`DROP TABLE gone`)
	f, g, err := census.Open(db, census.Hint{}, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := census.Take(context.Background(), f, btree.NewReader(f, f.Usable(), g.Encoding), census.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db, c
}

// outcomes repairs in and returns what the repair says became of each
// page.
func outcomes(t *testing.T, in string, opts recover.Options) map[uint32]recover.PageOutcome {
	t.Helper()
	var m *recover.PageMap
	opts.PageMap = func(pm *recover.PageMap) { m = pm }
	repair(t, in, opts)
	if m == nil {
		t.Fatal("the repair did not hand over its page map")
	}
	out := map[uint32]recover.PageOutcome{}
	for pgno := uint32(1); pgno <= uint32(len(m.Census.Pages))+m.Census.Missing; pgno++ {
		out[pgno] = m.Outcome(pgno)
	}
	return out
}

// A leaf destroyed: that page is lost, every other page of a tree is
// recovered, free pages hold no rows.
func TestPageMapOfALostLeaf(t *testing.T) {
	db, orig := pageMapDB(t)
	var leaf uint32
	want := map[uint32]recover.PageOutcome{}
	for i, p := range orig.Pages {
		pgno := uint32(i + 1)
		switch {
		case p.Class == census.FreelistTrunk || p.Class == census.FreelistLeaf:
			want[pgno] = recover.PageNoRows
		case leaf == 0 && p.Class == census.TableLeaf && orig.Owner(pgno).Name == "t":
			leaf = pgno
			want[pgno] = recover.PageLost
		default:
			want[pgno] = recover.PageRecovered
		}
	}
	broken := zeroPages(t, db, filepath.Join(filepath.Dir(db), "broken.db"), leaf)
	if diff := cmp.Diff(want, outcomes(t, broken, recover.Options{})); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

// Page 1 destroyed, no metadata backup: page 1 is lost, and the pages
// holding the entries of the trees nothing names any more (table leaves,
// and index pages, whose entries are then kept rather than rebuilt) have
// them in lost_and_found tables.
func TestPageMapWithoutSchema(t *testing.T) {
	db, orig := pageMapDB(t)
	want := map[uint32]recover.PageOutcome{1: recover.PageLost}
	for i, p := range orig.Pages[1:] {
		pgno := uint32(i + 2)
		switch {
		case p.Class == census.FreelistTrunk || p.Class == census.FreelistLeaf:
			want[pgno] = recover.PageNoRows
		case p.Class.Leaf() || p.Class == census.IndexInterior:
			want[pgno] = recover.PageLostAndFound
		default:
			want[pgno] = recover.PageRecovered
		}
	}
	broken := zeroPages(t, db, filepath.Join(filepath.Dir(db), "broken.db"), 1)
	if diff := cmp.Diff(want, outcomes(t, broken, recover.Options{})); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

// A file cut short: the pages it lacks are lost, the pages it has are
// recovered as before.
func TestPageMapOfATruncatedFile(t *testing.T) {
	db, orig := pageMapDB(t)
	keep := uint32(len(orig.Pages)) - 3
	want := map[uint32]recover.PageOutcome{}
	for i, p := range orig.Pages {
		pgno := uint32(i + 1)
		switch {
		case pgno > keep:
			want[pgno] = recover.PageLost
		case p.Class == census.FreelistTrunk || p.Class == census.FreelistLeaf:
			want[pgno] = recover.PageNoRows
		default:
			want[pgno] = recover.PageRecovered
		}
	}
	broken := copyFile(t, db, filepath.Join(filepath.Dir(db), "broken.db"))
	if err := os.Truncate(broken, int64(keep)*1024); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, outcomes(t, broken, recover.Options{})); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}
