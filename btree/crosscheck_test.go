package btree_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// crossCheckMatrix covers every page size with every text encoding, cycling
// auto_vacuum modes and reserved bytes through them, plus WAL databases.
func crossCheckMatrix() []testdb.Config {
	var cs []testdb.Config
	modes := []string{"none", "full", "incremental"}
	reserves := []int{0, 8, 0, 32, 12}
	i := 0
	for _, ps := range []int{512, 1024, 4096, 8192, 65536} {
		for enc := uint32(1); enc <= 3; enc++ {
			cs = append(cs, testdb.Config{
				PageSize: ps, Encoding: enc, AutoVacuum: modes[i%3], Reserved: reserves[i%len(reserves)],
				Rows: 300, BigValues: enc == 1, Seed: int64(i),
			})
			i++
		}
	}
	cs = append(cs,
		testdb.Config{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Reserved: 0, Rows: 400, WAL: true, Seed: 100},
		testdb.Config{PageSize: 1024, Encoding: 2, AutoVacuum: "full", Reserved: 8, Rows: 300, WAL: true, Seed: 101},
		testdb.Config{PageSize: 65536, Encoding: 3, AutoVacuum: "incremental", Reserved: 20, Rows: 300, WAL: true, BigValues: true, Seed: 102},
	)
	return cs
}

// treeQueries gives, for each b-tree of testdb.Schema, the SELECT that
// returns its entries in key order with columns in record order, and how a
// decoded record maps onto that row.
var treeQueries = map[string]string{
	"t":      `SELECT id, name, score, data, n FROM t ORDER BY id`,
	"t_name": `SELECT name, n, id FROM t ORDER BY name, n, id`,
	"w":      `SELECT k2, k1, v FROM w ORDER BY k2, k1`,
	"w_v":    `SELECT v, k2, k1 FROM w ORDER BY v, k2, k1`,
}

func TestCrossCheckWithSQLite(t *testing.T) {
	ctx := context.Background()
	for _, c := range crossCheckMatrix() {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path, err := testdb.Build(ctx, dir, c)
			if err != nil {
				t.Fatal(err)
			}
			want := selectEverything(t, path, c.WAL)

			f, err := pagefile.Open(path, pagefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			checkGeometry(t, f, c)
			r := btree.ReaderFor(f)
			schema, res, err := r.ReadSchema()
			if err != nil || len(res.Errors) > 0 {
				t.Fatalf("ReadSchema: %v %v", err, res.Errors)
			}
			var gotMaster [][]any
			roots := map[string]uint32{}
			for _, s := range schema {
				gotMaster = append(gotMaster, []any{s.Rowid, s.Type, s.Name, s.TblName, s.RootPage, s.SQL})
				roots[s.Name] = uint32(s.RootPage)
			}
			if diff := cmp.Diff(want["sqlite_master"], gotMaster); diff != "" {
				t.Errorf("sqlite_master (-want +got):\n%s", diff)
			}

			pages := newCoverage(t, f, want["freelist_count"][0][0].(int64))
			pages.walked(res, btree.SchemaRoot)
			for name := range treeQueries {
				got, res := readTree(t, r, roots[name], name)
				pages.walked(res, roots[name])
				if diff := cmp.Diff(want[name], got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
			pages.complete()
			if c.WAL {
				checkWALTail(t, f)
			}
		})
	}
}

// readTree walks one b-tree and returns its entries as rows in the column
// order of treeQueries.
func readTree(t *testing.T, r *btree.Reader, root uint32, name string) ([][]any, *btree.WalkResult) {
	t.Helper()
	var rows [][]any
	res, err := r.Walk(root, func(e *btree.Entry) error {
		if e.PayloadErr != nil {
			t.Errorf("%s page %d cell %d: %v", name, e.Pgno, e.Cell, e.PayloadErr)
		}
		vals, err := r.Record(e.Payload)
		if err != nil {
			t.Errorf("%s page %d cell %d: %v", name, e.Pgno, e.Cell, err)
			return nil
		}
		if name == "t" {
			vals[0] = e.Rowid // INTEGER PRIMARY KEY is stored as NULL
			if n, ok := vals[2].(int64); ok {
				vals[2] = float64(n) // REAL affinity stores integral values as integers
			}
		}
		rows = append(rows, normalize(vals))
		return nil
	})
	if err != nil || len(res.Errors) > 0 {
		t.Errorf("walk %s from %d: %v %v", name, root, err, res.Errors)
	}
	return rows, res
}

// selectEverything reads every b-tree's content through SQLite. A WAL
// database is read from a copy, so SQLite's WAL recovery cannot change the
// files under test.
func selectEverything(t *testing.T, path string, wal bool) map[string][][]any {
	t.Helper()
	db := testdb.OpenCopy(t, path, wal)
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check of the built database: %q %v", ok, err)
	}
	out := map[string][][]any{
		"sqlite_master": queryRows(t, db, `SELECT rowid, type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid`),
	}
	for name, q := range treeQueries {
		out[name] = queryRows(t, db, q)
	}
	out["freelist_count"] = queryRows(t, db, `PRAGMA freelist_count`)
	return out
}

func queryRows(t *testing.T, db *sql.DB, q string) [][]any {
	t.Helper()
	var out [][]any
	for _, vals := range testdb.QueryAll(t, db, q) {
		out = append(out, normalize(vals))
	}
	return out
}

func checkGeometry(t *testing.T, f *pagefile.File, c testdb.Config) {
	t.Helper()
	if !f.Header.Valid() {
		t.Errorf("header problems: %v", f.Header.Problems)
	}
	want := pagefile.Geometry{PageSize: c.PageSize, Reserved: c.Reserved}
	if f.Geometry != want {
		t.Errorf("geometry %+v, want %+v", f.Geometry, want)
	}
	if got := f.TextEncoding(); got != c.Encoding {
		t.Errorf("encoding %d, want %d", got, c.Encoding)
	}
	if got := f.Header.AutoVacuum(); got != c.AutoVacuum {
		t.Errorf("auto_vacuum %s, want %s", got, c.AutoVacuum)
	}
}

func checkWALTail(t *testing.T, f *pagefile.File) {
	t.Helper()
	w := f.WAL
	if w == nil {
		t.Fatalf("no WAL overlaid: %v", f.WALError())
	}
	if w.Committed == 0 || len(w.Frames) <= w.Committed {
		t.Errorf("want committed frames and an uncommitted tail; %d frames, %d committed", len(w.Frames), w.Committed)
	}
}

// coverage checks that every page of the database is accounted for exactly
// once: b-tree pages and overflow pages reached by walks, freelist pages,
// pointer-map pages and the lock-byte page. With auto_vacuum it also checks
// every pointer-map entry against what the walks found.
type coverage struct {
	t     *testing.T
	f     *pagefile.File
	owner map[uint32]string
	ptr   map[uint32]pagefile.PtrmapEntry
	// wantFree is SQLite's PRAGMA freelist_count.
	wantFree int64
}

func newCoverage(t *testing.T, f *pagefile.File, wantFree int64) *coverage {
	return &coverage{t: t, f: f, owner: map[uint32]string{}, ptr: map[uint32]pagefile.PtrmapEntry{}, wantFree: wantFree}
}

func (c *coverage) claim(pgno uint32, what string, e pagefile.PtrmapEntry) {
	if prev, ok := c.owner[pgno]; ok {
		c.t.Errorf("page %d is both %s and %s", pgno, prev, what)
	}
	c.owner[pgno] = what
	c.ptr[pgno] = e
}

func (c *coverage) walked(res *btree.WalkResult, root uint32) {
	r := btree.ReaderFor(c.f)
	for _, v := range res.Pages {
		e := pagefile.PtrmapEntry{Type: pagefile.PtrmapBtree, Parent: v.Parent}
		if v.Pgno == root {
			e = pagefile.PtrmapEntry{Type: pagefile.PtrmapRootPage}
		}
		c.claim(v.Pgno, fmt.Sprintf("%s of tree %d", v.Type, root), e)
		p, err := r.Page(v.Pgno)
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			c.t.Errorf("page %d of tree %d does not validate: %v", v.Pgno, root, err)
		}
	}
	// Overflow chains: re-walk to learn each chain's owner cell page.
	if _, err := r.Walk(root, func(e *btree.Entry) error {
		for i, o := range e.Overflow {
			pe := pagefile.PtrmapEntry{Type: pagefile.PtrmapOverflow1, Parent: e.Pgno}
			if i > 0 {
				pe = pagefile.PtrmapEntry{Type: pagefile.PtrmapOverflow2, Parent: e.Overflow[i-1]}
			}
			c.claim(o, fmt.Sprintf("overflow of tree %d", root), pe)
		}
		return nil
	}); err != nil {
		c.t.Error(err)
	}
}

func (c *coverage) complete() {
	fl := c.f.Freelist()
	if len(fl.Problems) > 0 {
		c.t.Errorf("freelist problems: %v", fl.Problems)
	}
	free := pagefile.PtrmapEntry{Type: pagefile.PtrmapFreePage}
	for _, p := range fl.Trunks {
		c.claim(p, "freelist trunk", free)
	}
	for _, p := range fl.Leaves {
		c.claim(p, "freelist leaf", free)
	}
	if got := int64(len(fl.Trunks) + len(fl.Leaves)); got != c.wantFree {
		c.t.Errorf("freelist holds %d pages, SQLite's freelist_count says %d", got, c.wantFree)
	}
	for pgno := uint32(1); pgno <= c.f.PageCount(); pgno++ {
		switch {
		case c.f.IsPtrmapPage(pgno):
			c.claim(pgno, "ptrmap", pagefile.PtrmapEntry{})
			continue
		case c.f.IsLockBytePage(pgno):
			continue
		case c.owner[pgno] == "":
			c.t.Errorf("page %d of %d is not accounted for", pgno, c.f.PageCount())
			continue
		}
		if !c.f.HasPtrmap() || pgno == 1 {
			continue
		}
		got, err := c.f.Ptrmap(pgno)
		if err != nil || got != c.ptr[pgno] {
			c.t.Errorf("ptrmap entry of page %d (%s) is %+v %v, want %+v", pgno, c.owner[pgno], got, err, c.ptr[pgno])
		}
	}
}

// blob holds a BLOB value as a string, so that go-cmp compares large blobs
// as one value (not byte by byte through reflection) while a zero-length
// blob still differs from NULL.
type blob string

func normalize(vals []any) []any {
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			vals[i] = blob(b)
		}
	}
	return vals
}
