package census_test

import (
	"context"
	"encoding/binary"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/testdb"
)

// build makes a database and returns its path and its census.
func build(t *testing.T, cfg testdb.Config) (string, *census.Census) {
	t.Helper()
	path, err := testdb.Build(context.Background(), t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return path, take(t, path, census.Hint{})
}

// damaged writes a copy of path with edit applied to its bytes.
func damaged(t *testing.T, path string, edit func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/damaged.db"
	if err := os.WriteFile(out, edit(b), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// With page 1 destroyed nothing names any tree, yet every tree comes back
// whole as one orphan tree: its root is the topmost orphan page, and the
// rest of its pages hang below it.
func TestOrphansRegroupIntoTheirTrees(t *testing.T) {
	for _, cfg := range matrix()[:4] {
		t.Run(cfg.Name(), func(t *testing.T) {
			t.Parallel()
			path, orig := build(t, cfg)
			broken := damaged(t, path, func(b []byte) []byte {
				clear(b[:cfg.PageSize])
				return b
			})
			// The page size cannot come from the header now: give the
			// hint a metadata backup would.
			c := take(t, broken, census.Hint{PageSize: cfg.PageSize, Reserved: cfg.Reserved, Encoding: cfg.Encoding})
			if got := c.Page(1).Class; got != census.Zero {
				t.Errorf("page 1 is %s, want zero", got)
			}
			want := treePages(orig)
			got := treePages(c)
			for name, pages := range want {
				if name == "sqlite_master" {
					continue
				}
				key := ""
				for k, v := range got {
					if len(v) > 0 && v[0] == pages[0] || cmp.Equal(v, pages) {
						key = k
					}
				}
				if !strings.HasPrefix(key, "orphan@") {
					t.Errorf("tree %q (%d pages from %d) is no orphan tree of the damaged file", name, len(pages), pages[0])
					continue
				}
				if diff := cmp.Diff(pages, got[key]); diff != "" {
					t.Errorf("tree %q as %s (-original +orphan):\n%s", name, key, diff)
				}
			}
		})
	}
}

// A file cut short misses the pages its interior pages point to; a header
// that merely claims more pages than the file has (a damaged page count)
// does not make pages missing.
func TestMissingPages(t *testing.T) {
	cfg := testdb.Config{PageSize: 1024, Encoding: 1, AutoVacuum: "none", Rows: 400, Seed: 11}
	path, orig := build(t, cfg)
	total := len(orig.Pages)

	keep := total * 2 / 3
	cut := damaged(t, path, func(b []byte) []byte { return b[:keep*cfg.PageSize] })
	c := take(t, cut, census.Hint{})
	if c.Missing == 0 || int(c.Missing) > total-keep {
		t.Errorf("truncated to %d of %d pages: missing %d (%s)", keep, total, c.Missing, c.MissingWhy)
	}
	c = take(t, cut, census.Hint{PageCount: uint32(total)})
	if int(c.Missing) != total-keep {
		t.Errorf("with the page count hinted: missing %d, want %d (%s)", c.Missing, total-keep, c.MissingWhy)
	}

	bogus := damaged(t, path, func(b []byte) []byte {
		binary.BigEndian.PutUint32(b[28:], 3489660841) // the in-header page count, still "valid"
		return b
	})
	if c := take(t, bogus, census.Hint{}); c.Missing != 0 {
		t.Errorf("a bogus header page count makes %d pages missing (%s)", c.Missing, c.MissingWhy)
	}
}

// Two schema rows naming one root: the page keeps its first owner, the
// second tree is not walked, and the clash is reported.
func TestConflictingRoots(t *testing.T) {
	ctx := context.Background()
	cfg := testdb.Config{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Rows: 50, Seed: 12}
	path, orig := build(t, cfg)
	var root uint32
	for _, tr := range orig.Trees {
		if tr.Name == "t" {
			root = tr.Root
		}
	}
	db := testdb.OpenCopy(t, path, false)
	var cp string
	if err := db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&cp); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA writable_schema = ON`,
		`INSERT INTO sqlite_master VALUES('table', 'dup', 'dup', ` + itoa(root) + `, 'CREATE TABLE dup(x)')`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	c := take(t, cp, census.Hint{})
	var dup *census.Tree
	for _, tr := range c.Trees {
		if tr.Name == "dup" {
			dup = tr
		}
	}
	if dup == nil || dup.Err == nil || dup.Walk != nil {
		t.Fatalf("tree dup: %+v", dup)
	}
	if len(c.Conflicts) != 1 || !strings.Contains(c.Conflicts[0].Error(), `reached from b-tree "dup"`) {
		t.Errorf("conflicts: %v", c.Conflicts)
	}
	if o := c.Owner(root); o == nil || o.Name != "t" {
		t.Errorf("root %d owned by %+v", root, o)
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// With page 1 destroyed the header no longer names the freelist, yet its
// trunk pages are recognised by their content: the pages that were free
// are free again, not orphans whose stale rows would come back as live.
func TestFreelistFoundWithoutHeader(t *testing.T) {
	for _, cfg := range matrix()[:4] {
		t.Run(cfg.Name(), func(t *testing.T) {
			t.Parallel()
			path, err := testdb.Build(context.Background(), t.TempDir(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			db := testdb.OpenCopy(t, path, false)
			var cp string
			if err := db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&cp); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`DELETE FROM t WHERE id % 3 = 0`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			orig := take(t, cp, census.Hint{})
			if n := len(orig.Freelist.Trunks) + len(orig.Freelist.Leaves); n == 0 && cfg.AutoVacuum != "full" {
				t.Fatal("test premise: no freelist")
			}
			broken := damaged(t, cp, func(b []byte) []byte {
				clear(b[:cfg.PageSize])
				return b
			})
			c := take(t, broken, census.Hint{PageSize: cfg.PageSize, Reserved: cfg.Reserved, Encoding: cfg.Encoding})
			if diff := cmp.Diff(sorted(orig.Freelist.Trunks), sorted(c.Freelist.Trunks)); diff != "" {
				t.Errorf("trunks (-header +found):\n%s", diff)
			}
			if diff := cmp.Diff(sorted(orig.Freelist.Leaves), sorted(c.Freelist.Leaves)); diff != "" {
				t.Errorf("leaves (-header +found):\n%s", diff)
			}
		})
	}
}

func sorted(s []uint32) []uint32 {
	out := append([]uint32(nil), s...)
	slices.Sort(out)
	return out
}
