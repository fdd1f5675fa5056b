package master_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// variants covers every page size, encoding, auto_vacuum mode, reserved
// bytes and WAL with committed-but-not-checkpointed frames.
var variants = []testdb.Config{
	{PageSize: 512, Encoding: 1, AutoVacuum: "none", Reserved: 0, Rows: 200, Seed: 1},
	{PageSize: 1024, Encoding: 2, AutoVacuum: "full", Reserved: 8, Rows: 200, Seed: 2},
	{PageSize: 4096, Encoding: 3, AutoVacuum: "incremental", Reserved: 32, Rows: 300, BigValues: true, Seed: 3},
	{PageSize: 8192, Encoding: 1, AutoVacuum: "full", Reserved: 12, Rows: 200, Seed: 4},
	{PageSize: 65536, Encoding: 2, AutoVacuum: "none", Reserved: 0, Rows: 200, Seed: 5},
	{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Reserved: 0, Rows: 300, WAL: true, Seed: 6},
	{PageSize: 1024, Encoding: 3, AutoVacuum: "incremental", Reserved: 20, Rows: 200, WAL: true, Seed: 7},
}

func TestCaptureRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, c := range variants {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			path, err := testdb.Build(ctx, t.TempDir(), c)
			if err != nil {
				t.Fatal(err)
			}
			before := hashFiles(t, path)
			m, err := master.Capture(ctx, path, master.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, hashFiles(t, path)); diff != "" {
				t.Errorf("capture changed the database files (-before +after):\n%s", diff)
			}
			t.Logf("page lists read from %s", m.PagesReadFrom)
			metaPath := path + ".meta"
			if err := master.WriteFile(metaPath, m); err != nil {
				t.Fatal(err)
			}
			got, err := master.ReadFile(metaPath)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(m, got); diff != "" {
				t.Fatalf("read back differs (-captured +read):\n%s", diff)
			}
			checkAgainstSQLite(t, path, m, c)
			checkPageLists(t, path, m)
			checkEntries(t, testdb.OpenCopy(t, path, c.WAL), m)
		})
	}
}

// checkAgainstSQLite compares the captured header, schema and storage
// facts with what SQLite reports on a copy of the database, and with what
// the test database is known to contain.
func checkAgainstSQLite(t *testing.T, path string, m *master.Meta, c testdb.Config) {
	t.Helper()
	db := testdb.OpenCopy(t, path, c.WAL)
	var want master.Header
	var enc string
	if err := db.QueryRow(`SELECT (SELECT page_size FROM pragma_page_size), (SELECT page_count FROM pragma_page_count),
		(SELECT encoding FROM pragma_encoding), (SELECT auto_vacuum FROM pragma_auto_vacuum),
		(SELECT schema_version FROM pragma_schema_version), (SELECT freelist_count FROM pragma_freelist_count)`).Scan(
		&want.PageSize, &want.PageCount, &enc, &want.AutoVacuum, &want.SchemaCookie, &want.FreelistCount); err != nil {
		t.Fatal(err)
	}
	got := m.Header
	if got.PageSize != want.PageSize || got.PageCount != want.PageCount || got.AutoVacuum != want.AutoVacuum ||
		got.SchemaCookie != want.SchemaCookie || got.FreelistCount != want.FreelistCount ||
		got.ReservedBytes != c.Reserved || got.TextEncoding != c.Encoding {
		t.Errorf("header %+v; SQLite says %+v (%s), config %+v", got, want, enc, c)
	}
	var schema []master.SchemaRow
	rows, err := db.Query(`SELECT type, name, tbl_name, rootpage, coalesce(sql, '') FROM sqlite_master ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r master.SchemaRow
		if err := rows.Scan(&r.Type, &r.Name, &r.TblName, &r.RootPage, &r.SQL); err != nil {
			t.Fatal(err)
		}
		schema = append(schema, r)
	}
	rows.Close()
	if diff := cmp.Diff(schema, m.Schema); diff != "" {
		t.Errorf("schema rows (-SQLite +captured):\n%s", diff)
	}
	tables := map[string]master.Table{}
	for _, tb := range m.Tables {
		tables[tb.Name] = tb
	}
	tt, w := tables["t"], tables["w"]
	if tt.RowidAlias != 0 || tt.WithoutRowid || tt.Columns[2].Affinity != master.AffinityReal || !cmp.Equal(tt.RecordOrder, []int{0, 1, 2, 3, 4}) {
		t.Errorf("table t captured as %+v", tt)
	}
	if w.RowidAlias != -1 || !w.WithoutRowid || !cmp.Equal(w.RecordOrder, []int{1, 0, 2}) {
		t.Errorf("table w captured as %+v", w)
	}
}

// checkPageLists checks the page lists against the file itself: every
// page is listed once (or is a freelist, pointer-map or lock-byte page),
// each list's pages have the kind it claims, every leaf CRC and cell count
// matches the page, and every overflow CRC matches its page.
func checkPageLists(t *testing.T, path string, m *master.Meta) {
	t.Helper()
	if m.PagesReadFrom == "" || !m.Counts || len(m.Trees) != countRoots(m)+1 {
		t.Fatalf("pages read from %q, counts %v, %d trees for %d roots", m.PagesReadFrom, m.Counts, len(m.Trees), countRoots(m))
	}
	f, err := pagefile.Open(path, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	owner := map[uint32]string{}
	claim := func(p uint32, what string) {
		if prev, ok := owner[p]; ok {
			t.Errorf("page %d listed as %s and as %s", p, prev, what)
		}
		owner[p] = what
	}
	r := btree.ReaderFor(f)
	for _, tr := range m.Trees {
		for _, p := range tr.Interior {
			claim(p, tr.Name+" interior")
			if pg, err := r.Page(p); err != nil || pg.Type.Leaf() {
				t.Errorf("%s: interior page %d is not one: %v", tr.Name, p, err)
			}
		}
		for _, l := range tr.Leaves {
			claim(l.Pgno, tr.Name+" leaf")
			img, err := f.Page(l.Pgno)
			if err != nil || master.PageCRC(img) != l.CRC {
				t.Errorf("%s: leaf %d CRC %08x does not match the page (%v)", tr.Name, l.Pgno, l.CRC, err)
			}
			if pg, err := btree.ParsePage(l.Pgno, img, f.Usable()); err != nil || pg.CellCount != l.Cells {
				t.Errorf("%s: leaf %d recorded with %d cells; the page: %+v, %v", tr.Name, l.Pgno, l.Cells, pg, err)
			}
		}
		for _, p := range tr.Overflow {
			claim(p, tr.Name+" overflow")
		}
		if diff := cmp.Diff(pageCRCs(t, f, tr.Overflow), tr.OverflowCRCs); diff != "" {
			t.Errorf("%s: overflow CRCs (-file +captured):\n%s", tr.Name, diff)
		}
	}
	fl := f.Freelist()
	for _, p := range append(fl.Trunks, fl.Leaves...) {
		claim(p, "freelist")
	}
	for p := uint32(1); p <= f.PageCount(); p++ {
		if owner[p] == "" && !f.IsPtrmapPage(p) && !f.IsLockBytePage(p) {
			t.Errorf("page %d of %d is in no list", p, f.PageCount())
		}
	}
}

// checkEntries compares each tree's entry count with SQLite's count of the
// rows it indexes: a table's rows for the table (rowid or WITHOUT ROWID)
// and for each of its indexes, which hold one entry per row unless partial.
func checkEntries(t *testing.T, db *sql.DB, m *master.Meta) {
	t.Helper()
	table := map[string]string{"sqlite_master": "sqlite_master"}
	for _, r := range m.Schema {
		table[r.Name] = r.TblName
	}
	for _, ix := range m.Indexes {
		if ix.Partial {
			delete(table, ix.Name)
		}
	}
	checked := 0
	for _, tr := range m.Trees {
		tbl, ok := table[tr.Name]
		if !ok {
			continue
		}
		var want int64
		if err := db.QueryRow(`SELECT count(*) FROM "` + strings.ReplaceAll(tbl, `"`, `""`) + `"`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if tr.Entries != want {
			t.Errorf("%s %q: %d entries captured, SQLite counts %d rows in %q", tr.Kind, tr.Name, tr.Entries, want, tbl)
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("only %d trees had their entries checked", checked)
	}
}

// pageCRCs reads the given pages from src and returns their PageCRC.
func pageCRCs(t *testing.T, src pagefile.Source, pgnos []uint32) []uint32 {
	t.Helper()
	var out []uint32
	buf := make([]byte, src.PageSize())
	for _, p := range pgnos {
		if err := src.ReadPage(p, buf); err != nil {
			t.Fatal(err)
		}
		out = append(out, master.PageCRC(buf))
	}
	return out
}

// hashFiles returns the sha256 of the database and its WAL, if any.
func hashFiles(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err == nil {
			out[suffix] = fmt.Sprintf("%x", sha256.Sum256(b))
		}
	}
	return out
}

func countRoots(m *master.Meta) int {
	n := 0
	for _, r := range m.Schema {
		if r.RootPage > 0 {
			n++
		}
	}
	return n
}
