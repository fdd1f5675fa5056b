package btree_test

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// twentyRowLeaf is page 2 of a database SQLite wrote with 20 short rows
// in one table leaf, and the page parsed.
func twentyRowLeaf(t *testing.T) ([]byte, *btree.Page) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA page_size = 4096`,
		`CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER)`,
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 20)
		 INSERT INTO t SELECT i, 'name number ' || i, i * 1000 FROM c`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := b[4096:8192]
	p, err := btree.ParsePage(2, page, 4096)
	if err != nil || p.Type != btree.TableLeaf {
		t.Fatalf("page 2: %v", err)
	}
	return page, p
}

// rowsOf prints the records found (rowid and values), sorted; each must
// carry its rowid and come from area.
func rowsOf(t *testing.T, recs []btree.DeletedRecord, area string) []string {
	t.Helper()
	var got []string
	for _, d := range recs {
		vals, _ := btree.DecodeRecord(d.Record, pagefile.EncodingUTF8)
		if !d.HasRowid || d.Area != area {
			t.Errorf("record at %d: rowid %v, area %s", d.Offset, d.HasRowid, d.Area)
		}
		got = append(got, fmt.Sprint(d.Rowid, vals))
	}
	slices.Sort(got)
	return got
}

// reparsed parses page 2 again after a test edited it; the edit must
// leave a valid page.
func reparsed(t *testing.T, page []byte) *btree.Page {
	t.Helper()
	p, err := btree.ParsePage(2, page, 4096)
	if err != nil || p.Validate() != nil {
		t.Fatalf("edited page: %v %v", err, p.Validate())
	}
	return p
}

// Unallocated finds whole cells left in a leaf's unallocated space (as
// defragmenting leaves them): here the header's content start is moved
// above the page's first cells, which then lie in that space.
func TestUnallocatedFindsOldCells(t *testing.T) {
	page, p := twentyRowLeaf(t)
	// Drop the last 5 cells (the highest rowids, the lowest offsets) from
	// the pointer array and move the content start past them: they are
	// unallocated now, and the space still adds up.
	last := p.CellCount - 5
	var want []string
	end := p.ContentStart
	for i := last; i < p.CellCount; i++ {
		c, _ := p.Cell(i)
		vals, _ := btree.DecodeRecord(c.Local, pagefile.EncodingUTF8)
		want = append(want, fmt.Sprint(c.Rowid, vals))
		end = max(end, c.Offset+c.Size)
	}
	binary.BigEndian.PutUint16(page[3:], uint16(last))
	binary.BigEndian.PutUint16(page[5:], uint16(end))
	p = reparsed(t, page)
	got := rowsOf(t, btree.Unallocated(p), btree.AreaUnallocated)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("old cells (-dropped +found):\n%s", diff)
	}
}

// FreeblockCells finds whole cells that lie inside a freeblock past its
// header, as an older image of a page leaves the cells a newer one wrote
// into its free space: here the 5 cells with the lowest offsets leave the
// pointer array and become one freeblock, whose header overwrites the
// first 4 bytes of the lowest one only.
func TestFreeblockCellsFindsCellsBehindTheHeader(t *testing.T) {
	page, p := twentyRowLeaf(t)
	last := p.CellCount - 5
	start, end := p.ContentStart, p.ContentStart
	var want []string
	for i := last; i < p.CellCount; i++ {
		c, _ := p.Cell(i)
		end = max(end, c.Offset+c.Size)
		if c.Offset == start {
			continue // its first 4 bytes become the freeblock's header
		}
		vals, _ := btree.DecodeRecord(c.Local, pagefile.EncodingUTF8)
		want = append(want, fmt.Sprint(c.Rowid, vals))
	}
	binary.BigEndian.PutUint16(page[1:], uint16(start))
	binary.BigEndian.PutUint16(page[3:], uint16(last))
	binary.BigEndian.PutUint16(page[start:], 0)
	binary.BigEndian.PutUint16(page[start+2:], uint16(end-start))
	p = reparsed(t, page)
	if len(btree.Unallocated(p)) != 0 {
		t.Errorf("the edited page has cells in its unallocated space")
	}
	got := rowsOf(t, btree.FreeblockCells(p, nil), btree.AreaFreeblock)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells behind the freeblock header (-dropped +found):\n%s", diff)
	}
	if got := btree.FreeblockCells(p, func([]byte) bool { return false }); len(got) != 0 {
		t.Errorf("a filter refusing every record still found %d", len(got))
	}
}

// DeletedShaped rebuilds the records of deleted rows whose freeblock
// header overwrote the start of their record header, knowing only how
// many fields they have and that the first, the INTEGER PRIMARY KEY, is
// stored as NULL.
func TestDeletedShapedRebuildsHeaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA page_size = 4096`, `PRAGMA secure_delete = OFF`,
		`CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER)`,
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 60)
		 INSERT INTO t SELECT i, 'name number ' || i, i * 1000 FROM c`,
		`DELETE FROM t WHERE id % 10 = 3`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	shape := btree.Shape{
		Fields: 3,
		Lost: func(i int) []uint64 {
			if i == 0 {
				return []uint64{0}
			}
			return nil
		},
		Valid: func(rec []byte) bool {
			vals, err := btree.DecodeRecord(rec, pagefile.EncodingUTF8)
			if err != nil || len(vals) != 3 || vals[0] != nil {
				return false
			}
			_, text := vals[1].(string)
			_, num := vals[2].(int64)
			return text && num
		},
	}
	var got []string
	for pgno := 2; pgno*4096 <= len(b); pgno++ {
		p, err := btree.ParsePage(uint32(pgno), b[(pgno-1)*4096:pgno*4096], 4096)
		if err != nil || p.Type != btree.TableLeaf {
			continue
		}
		for _, d := range btree.DeletedShaped(p, shape) {
			vals, _ := btree.DecodeRecord(d.Record, pagefile.EncodingUTF8)
			got = append(got, fmt.Sprint(vals))
		}
	}
	var want []string
	for i := 3; i <= 60; i += 10 {
		want = append(want, fmt.Sprint([]any{nil, fmt.Sprintf("name number %d", i), int64(i * 1000)}))
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rebuilt records (-deleted rows +found):\n%s", diff)
	}
}
