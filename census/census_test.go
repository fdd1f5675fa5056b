package census_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// matrix covers every page size, each text encoding, every auto_vacuum
// mode, reserved bytes, long overflow chains and WAL databases.
func matrix() []testdb.Config {
	return []testdb.Config{
		{PageSize: 512, Encoding: 1, AutoVacuum: "none", Rows: 300, BigValues: true, Seed: 1},
		{PageSize: 1024, Encoding: 2, AutoVacuum: "full", Reserved: 8, Rows: 300, Seed: 2},
		{PageSize: 4096, Encoding: 3, AutoVacuum: "incremental", Reserved: 32, Rows: 300, BigValues: true, Seed: 3},
		{PageSize: 65536, Encoding: 1, AutoVacuum: "full", Rows: 300, Seed: 4},
		{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Rows: 400, WAL: true, Seed: 5},
		{PageSize: 1024, Encoding: 2, AutoVacuum: "incremental", Reserved: 12, Rows: 300, WAL: true, BigValues: true, Seed: 6},
	}
}

// take builds a census of the database at path.
func take(t *testing.T, path string, hint census.Hint) *census.Census {
	t.Helper()
	f, g, err := census.Open(path, hint, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	c, err := census.Take(context.Background(), f, btree.NewReader(f, f.Usable(), g.Encoding), census.Options{Hint: hint})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pageOwner is what SQLite's dbstat says of one page: the b-tree that owns
// it and whether it is an interior, leaf or overflow page.
type pageOwner struct {
	Name, Kind string
}

// A census of a sound database agrees with SQLite's own account of every
// page (the dbstat table): every b-tree and overflow page has the owner
// and kind SQLite gives it, the freelist has SQLite's size, and nothing is
// orphaned, lost, missing or claimed twice.
func TestCensusAgreesWithDBStat(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range matrix() {
		t.Run(cfg.Name(), func(t *testing.T) {
			t.Parallel()
			path, err := testdb.Build(ctx, t.TempDir(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			db := testdb.OpenCopy(t, path, cfg.WAL)
			want := map[uint32]pageOwner{}
			rows, err := db.QueryContext(ctx, `SELECT name, pageno, pagetype FROM dbstat`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var name, kind string
				var pgno uint32
				if err := rows.Scan(&name, &pgno, &kind); err != nil {
					t.Fatal(err)
				}
				if name == "sqlite_schema" {
					name = "sqlite_master" // the same table, under its newer name
				}
				want[pgno] = pageOwner{name, kind}
			}
			rows.Close()
			var freelist int
			if err := db.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&freelist); err != nil {
				t.Fatal(err)
			}

			c := take(t, path, census.Hint{})
			got := map[uint32]pageOwner{}
			counts := c.Counts()
			for i, p := range c.Pages {
				pgno := uint32(i + 1)
				var kind string
				switch {
				case p.Class == census.Overflow:
					kind = "overflow"
				case p.Class.Leaf():
					kind = "leaf"
				case p.Class.BTree():
					kind = "internal"
				default:
					continue
				}
				owner := c.Owner(pgno)
				if owner == nil {
					t.Fatalf("page %d (%s) has no owner", pgno, p.Class)
				}
				got[pgno] = pageOwner{owner.Name, kind}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages (-dbstat +census):\n%s", diff)
			}
			if n := counts[census.FreelistTrunk] + counts[census.FreelistLeaf]; n != freelist {
				t.Errorf("freelist: census %d pages, SQLite %d", n, freelist)
			}
			for _, cl := range []census.Class{census.Unclassified, census.Zero, census.Unknown, census.Unreadable} {
				if counts[cl] != 0 {
					t.Errorf("%d %s pages in a sound database", counts[cl], cl)
				}
			}
			for _, tr := range c.Trees {
				if tr.From == census.FromOrphan {
					t.Errorf("orphan tree at page %d in a sound database", tr.Root)
				}
				if tr.Err != nil || (tr.Walk != nil && len(tr.Walk.Errors) > 0) {
					t.Errorf("tree %q: %v %v", tr.Name, tr.Err, tr.Walk.Errors)
				}
			}
			if len(c.Conflicts) > 0 || c.Missing != 0 {
				t.Errorf("conflicts %v, missing %d", c.Conflicts, c.Missing)
			}
		})
	}
}

// Walk gives each tree's entries, payloads assembled, exactly as a plain
// walk from its root does in a sound database.
func TestWalkEqualsPlainWalk(t *testing.T) {
	ctx := context.Background()
	cfg := testdb.Config{PageSize: 1024, Encoding: 1, AutoVacuum: "full", Rows: 300, BigValues: true, Seed: 9}
	path, err := testdb.Build(ctx, t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := take(t, path, census.Hint{})
	for _, tr := range c.Trees {
		var want, got []string
		collect := func(out *[]string) func(*btree.Entry) error {
			return func(e *btree.Entry) error {
				*out = append(*out, fmt.Sprintf("%d/%d/%d/%x/%v", e.Pgno, e.Cell, e.Rowid, e.Payload, e.PayloadErr))
				return nil
			}
		}
		if _, err := c.Reader.Walk(tr.Root, collect(&want)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Walk(tr.Index, btree.WalkOptions{OnEntry: collect(&got)}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" || len(want) == 0 && tr.Name != "sqlite_sequence" {
			t.Errorf("tree %q (-plain +census):\n%s", tr.Name, diff)
		}
	}
}

// treePages lists the pages of every named tree of a census, by name.
func treePages(c *census.Census) map[string][]uint32 {
	out := map[string][]uint32{}
	for i, p := range c.Pages {
		if t := c.Owner(uint32(i + 1)); t != nil && !p.Class.Lost() {
			key := t.Name
			if t.From == census.FromOrphan {
				key = fmt.Sprintf("orphan@%d", t.Root)
			}
			out[key] = append(out[key], uint32(i+1))
		}
	}
	return out
}
