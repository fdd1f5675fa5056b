package bulk_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/bulk"
	"github.com/dbrescue/dbrescue/pagefile"
)

// row is a rowid and its values.
type row struct {
	id   int64
	vals []any
}

func randomRows(rng *rand.Rand, n, width, big int) []row {
	var rows []row
	id := int64(rng.IntN(100)) - 50
	for i := 0; i < n; i++ {
		id += 1 + int64(rng.IntN(3))
		if rng.IntN(50) == 0 {
			id += rng.Int64N(1 << 40)
		}
		vals := make([]any, width)
		for j := range vals {
			vals[j] = randomValue(rng, big)
		}
		rows = append(rows, row{id, vals})
	}
	return rows
}

// insertAll inserts rows with SQLite into table, with explicit rowids.
func insertAll(t testing.TB, path, table string, width int, rows []row) {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf("INSERT INTO %s(rowid%s) VALUES (?%s)", table, colList(width), strings.Repeat(", ?", width))
	for _, r := range rows {
		if _, err := tx.Exec(q, append([]any{r.id}, r.vals...)...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func colList(width int) string {
	var b strings.Builder
	for i := 0; i < width; i++ {
		fmt.Fprintf(&b, ", c%d", i)
	}
	return b.String()
}

func createTable(width int, suffix string) string {
	return fmt.Sprintf("CREATE TABLE t(%s)%s", strings.TrimPrefix(colList(width), ", "), suffix)
}

// fillTable builds table t of the database at path from rows.
func fillTable(t testing.TB, path string, rows []row) {
	t.Helper()
	root := roots(t, path)["t"]
	f, err := bulk.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.NewTableTree()
	var rec []byte
	for _, r := range rows {
		if rec, err = btree.AppendRecord(rec[:0], r.vals, f.Encoding()); err != nil {
			t.Fatal(err)
		}
		if err := tr.AddRow(r.id, rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Finish(root); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTableTree fills a table with rows of every storage class, sizes that
// spill into overflow chains, at every geometry, and checks that SQLite
// reads back exactly the rows, that integrity_check passes, and that the
// records are byte for byte those SQLite writes for the same rows.
func TestTableTree(t *testing.T) {
	for _, g := range geometries {
		for _, n := range []int{0, 1, 7, 600} {
			t.Run(fmt.Sprintf("%v-%d", g, n), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), uint64(g.pageSize)))
				rows := randomRows(rng, n, 4, 3*g.pageSize)
				dir := t.TempDir()
				built := newDB(t, dir, g, createTable(4, ""))
				fillTable(t, built, rows)
				want := newDB(t, dir, g, createTable(4, ""))
				insertAll(t, want, "t", 4, rows)

				if got := integrity(t, built); got != "ok" {
					t.Fatalf("integrity_check: %s", got)
				}
				if av := query(t, built, "PRAGMA auto_vacuum")[0][0]; av != fmt.Sprintf("int64:%d", g.autoVacuum) {
					t.Errorf("auto_vacuum %s, want %d", av, g.autoVacuum)
				}
				q := "SELECT rowid, * FROM t ORDER BY rowid"
				if diff := cmp.Diff(query(t, want, q), query(t, built, q)); diff != "" {
					t.Errorf("rows (-SQLite +built):\n%s", diff)
				}
				if diff := cmp.Diff(payloads(t, want, roots(t, want)["t"]), payloads(t, built, roots(t, built)["t"])); diff != "" {
					t.Errorf("records (-SQLite +built):\n%s", diff)
				}
			})
		}
	}
}

// TestTreeRefusesDisorder checks that a table tree refuses a rowid that
// does not increase, and an index tree an entry out of order or a second
// entry with the same unique key, with a KeyError naming the entry.
func TestTreeRefusesDisorder(t *testing.T) {
	path := newDB(t, t.TempDir(), geometries[2], createTable(1, ""), "CREATE UNIQUE INDEX u ON t(c0)")
	f, err := bulk.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec := func(vals ...any) []byte {
		b, err := btree.AppendRecord(nil, vals, f.Encoding())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tr := f.NewTableTree()
	for _, id := range []int64{1, 5} {
		if err := tr.AddRow(id, rec(id)); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		Entry     int64
		Order     bool
		NotUnique bool
	}
	got := func(err error) result {
		var ke *bulk.KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("error %v is not a KeyError", err)
		}
		return result{ke.Entry, errors.Is(err, bulk.ErrOrder), errors.Is(err, bulk.ErrNotUnique)}
	}
	if diff := cmp.Diff(result{2, false, true}, got(tr.AddRow(5, rec(int64(5))))); diff != "" {
		t.Errorf("same rowid (-want +got):\n%s", diff)
	}
	tr2 := f.NewTableTree()
	_ = tr2.AddRow(5, rec(int64(5)))
	if diff := cmp.Diff(result{1, true, false}, got(tr2.AddRow(4, rec(int64(4))))); diff != "" {
		t.Errorf("smaller rowid (-want +got):\n%s", diff)
	}
	order := &bulk.Order{Fields: []bulk.Field{{}, {}}, Unique: 1, Encoding: f.Encoding()}
	ix := f.NewIndexTree(order)
	for _, e := range [][]any{{nil, int64(1)}, {nil, int64(2)}, {"a", int64(1)}} {
		if err := ix.AddEntry(rec(e...)); err != nil {
			t.Fatalf("%v: %v", e, err)
		}
	}
	if diff := cmp.Diff(result{3, false, true}, got(ix.AddEntry(rec("a", int64(2))))); diff != "" {
		t.Errorf("duplicate unique key (-want +got):\n%s", diff)
	}
	ix2 := f.NewIndexTree(order)
	_ = ix2.AddEntry(rec("b", int64(1)))
	if diff := cmp.Diff(result{1, true, false}, got(ix2.AddEntry(rec("a", int64(2))))); diff != "" {
		t.Errorf("entry out of order (-want +got):\n%s", diff)
	}
	tr.Abandon()
	tr2.Abandon()
	ix.Abandon()
	ix2.Abandon()
}

// sortedEntries builds the entries of an index over rows with the recipe
// and sorts them in the order's order.
func sortedEntries(t testing.TB, rows []row, rc *bulk.Recipe, o *bulk.Order) [][]byte {
	t.Helper()
	out := entriesOf(t, rows, rc, o.Encoding)
	slices.SortStableFunc(out, o.Compare)
	return out
}

// entriesOf makes the index entries of rows with rc, in row order.
func entriesOf(t testing.TB, rows []row, rc *bulk.Recipe, enc uint32) [][]byte {
	t.Helper()
	var out [][]byte
	var fields []bulk.Value
	for _, r := range rows {
		rec, err := btree.AppendRecord(nil, r.vals, enc)
		if err != nil {
			t.Fatal(err)
		}
		var e []byte
		if e, fields, err = rc.AppendEntry(nil, r.id, rec, fields); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// indexCase is an index SQLite builds with CREATE INDEX and the builder
// builds from the same rows: the order and recipe the caller derives from
// PRAGMA index_xinfo.
type indexCase struct {
	name, create string
	order        []bulk.Field
	sources      []int // record fields; bulk.RowidField for the rowid
	unique       int
}

// databases makes two databases of table t holding rows in geometry g:
// want, where SQLite built the index with CREATE INDEX, and built, whose
// index SQLite created empty for the builder to fill; and the index's
// order and recipe.
func (ic indexCase) databases(t testing.TB, g geometry, rows []row) (want, built string, order *bulk.Order, rc *bulk.Recipe) {
	t.Helper()
	dir := t.TempDir()
	want = newDB(t, dir, g, createTable(4, ""))
	insertAll(t, want, "t", 4, rows)
	execOn(t, want, ic.create)
	built = newDB(t, dir, g, createTable(4, ""), ic.create)
	fillTable(t, built, rows)
	order = &bulk.Order{Fields: ic.order, Unique: ic.unique, Encoding: g.encoding}
	rc = &bulk.Recipe{}
	for _, s := range ic.sources {
		rc.Sources = append(rc.Sources, bulk.Source{Field: s})
	}
	return want, built, order, rc
}

var indexCases = []indexCase{
	{"binary", "CREATE INDEX ix ON t(c0, c1)", []bulk.Field{{}, {}, {}}, []int{0, 1, bulk.RowidField}, 0},
	{"nocase-desc", "CREATE INDEX ix ON t(c2 COLLATE NOCASE DESC, c0)",
		[]bulk.Field{{Coll: bulk.NoCase, Desc: true}, {}, {}}, []int{2, 0, bulk.RowidField}, 0},
	{"rtrim", "CREATE INDEX ix ON t(c3 COLLATE RTRIM, c2 COLLATE NOCASE)",
		[]bulk.Field{{Coll: bulk.RTrim}, {Coll: bulk.NoCase}, {}}, []int{3, 2, bulk.RowidField}, 0},
	{"unique-rowid-last", "CREATE UNIQUE INDEX ix ON t(c1 DESC)", []bulk.Field{{Desc: true}, {}}, []int{1, bulk.RowidField}, 1},
}

// TestIndexTree builds indexes over rows of every storage class with the
// builder's order and compares them entry by entry with the same index
// SQLite built with CREATE INDEX: same entries, same order, so the
// builder's type order and collations are SQLite's.
func TestIndexTree(t *testing.T) {
	for _, g := range geometries {
		for _, ic := range indexCases {
			t.Run(fmt.Sprintf("%v-%s", g, ic.name), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(len(ic.name)), uint64(g.pageSize)))
				rows := randomRows(rng, 400, 4, g.pageSize)
				if ic.unique > 0 {
					for i := range rows {
						rows[i].vals[1] = int64(i % 300) // unique but for NULLs
						if i >= 300 {
							rows[i].vals[1] = nil
						}
					}
				}
				want, built, order, rc := ic.databases(t, g, rows)
				fillIndex(t, built, "ix", order, sortedEntries(t, rows, rc, order))
				if got := integrity(t, built); got != "ok" {
					t.Fatalf("integrity_check: %s", got)
				}
				if diff := cmp.Diff(payloads(t, want, roots(t, want)["ix"]), payloads(t, built, roots(t, built)["ix"])); diff != "" {
					t.Errorf("index entries (-SQLite +built):\n%s", diff)
				}
			})
		}
	}
}

// TestWithoutRowidTree builds a WITHOUT ROWID table (an index b-tree keyed
// by its PRIMARY KEY, here in reverse declaration order and descending)
// and compares it with the table SQLite filled with INSERTs.
func TestWithoutRowidTree(t *testing.T) {
	create := "CREATE TABLE t(c0, c1, c2, c3, PRIMARY KEY(c2 DESC, c0)) WITHOUT ROWID"
	for _, g := range geometries {
		t.Run(g.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(g.pageSize)))
			var rows []row
			for i, r := range randomRows(rng, 500, 4, 2*g.pageSize) {
				r.vals[0] = int64(i) // a key without NULL, unique
				if r.vals[2] == nil {
					r.vals[2] = "null"
				}
				rows = append(rows, r)
			}
			dir := t.TempDir()
			want := newDB(t, dir, g, create)
			db := openDB(t, want)
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if _, err := tx.Exec("INSERT INTO t VALUES (?, ?, ?, ?)", r.vals...); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			db.Close()
			built := newDB(t, dir, g, create)
			// Records are stored key first: c2, c0, then c1, c3.
			order := &bulk.Order{Fields: []bulk.Field{{Desc: true}, {}}, Unique: 2, Encoding: g.encoding}
			var recs [][]byte
			for _, r := range rows {
				rec, err := btree.AppendRecord(nil, []any{r.vals[2], r.vals[0], r.vals[1], r.vals[3]}, g.encoding)
				if err != nil {
					t.Fatal(err)
				}
				recs = append(recs, rec)
			}
			slices.SortFunc(recs, order.Compare)
			fillIndex(t, built, "t", order, recs)
			if got := integrity(t, built); got != "ok" {
				t.Fatalf("integrity_check: %s", got)
			}
			if diff := cmp.Diff(payloads(t, want, roots(t, want)["t"]), payloads(t, built, roots(t, built)["t"])); diff != "" {
				t.Errorf("entries (-SQLite +built):\n%s", diff)
			}
		})
	}
}

// fillIndex builds the index b-tree of the object name (an index, or a
// WITHOUT ROWID table) from entries already in order.
func fillIndex(t testing.TB, path, name string, order *bulk.Order, entries [][]byte) {
	t.Helper()
	root := roots(t, path)[name]
	f, err := bulk.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.NewIndexTree(order)
	for _, e := range entries {
		if err := tr.AddEntry(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Finish(root); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestInvalidUTF8InUTF16 stores strings whose UTF-8 is invalid in UTF-16
// databases: the builder must convert them as SQLite does (a stray byte
// for itself, overlong forms and surrogates as U+FFFD, code points past
// U+10FFFF folded into a surrogate pair), byte for byte.
func TestInvalidUTF8InUTF16(t *testing.T) {
	texts := []string{"\xa8", "a\xc0\x80b", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xff\xfe",
		"\xef\xbf\xbe", "\xef\xbf\xbf", "a\xe2\x82", "\xe2\x82\xac\x80\x80", "\xc3", "é\x00\xa0"}
	for _, enc := range []uint32{pagefile.EncodingUTF16LE, pagefile.EncodingUTF16BE} {
		g := geometry{4096, 0, enc, 0}
		var rows []row
		for i, s := range texts {
			rows = append(rows, row{int64(i + 1), []any{s, []byte(s)}})
		}
		dir := t.TempDir()
		want := newDB(t, dir, g, createTable(2, ""))
		insertAll(t, want, "t", 2, rows)
		built := newDB(t, dir, g, createTable(2, ""))
		fillTable(t, built, rows)
		if diff := cmp.Diff(payloads(t, want, roots(t, want)["t"]), payloads(t, built, roots(t, built)["t"])); diff != "" {
			t.Errorf("%s records (-SQLite +built):\n%s", pagefile.EncodingName(enc), diff)
		}
	}
}
