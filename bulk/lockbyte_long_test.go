//go:build long

package bulk_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/bulk"
	"github.com/dbrescue/dbrescue/pagefile"
)

// TestTreeAcrossLockBytePage builds a table of more than 1 GiB (run with
// -tags long): its pages must step over the lock-byte page, which SQLite
// never uses and integrity_check counts as in use, and every row must read
// back.
func TestTreeAcrossLockBytePage(t *testing.T) {
	g := geometry{65536, 0, pagefile.EncodingUTF8, 1}
	path := newDB(t, t.TempDir(), g, "CREATE TABLE t(c0, c1)", "CREATE INDEX ix ON t(c1)")
	const rows, size = 1100, 1 << 20
	blob := func(id int64) []byte {
		b := make([]byte, size+int(id%7))
		for i := 0; i+8 <= len(b); i += 8 {
			binary.BigEndian.PutUint64(b[i:], uint64(id)<<32|uint64(i))
		}
		return b
	}
	root := roots(t, path)
	f, err := bulk.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.NewTableTree()
	order := &bulk.Order{Fields: []bulk.Field{{}, {}}, Encoding: g.encoding}
	ix := f.NewIndexTree(order)
	for id := int64(1); id <= rows; id++ {
		rec, err := btree.AppendRecord(nil, []any{blob(id), fmt.Sprintf("k%05d", id)}, g.encoding)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.AddRow(id, rec); err != nil {
			t.Fatal(err)
		}
		e, _ := btree.AppendRecord(nil, []any{fmt.Sprintf("k%05d", id), id}, g.encoding)
		if err := ix.AddEntry(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Finish(root["t"]); err != nil {
		t.Fatal(err)
	}
	if err := ix.Finish(root["ix"]); err != nil {
		t.Fatal(err)
	}
	lock := pagefile.LockBytePage(g.pageSize)
	if n := f.PageCount(); n <= lock {
		t.Fatalf("%d pages: the file does not reach the lock-byte page %d", n, lock)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	page := make([]byte, g.pageSize)
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.ReadAt(page, int64(lock-1)*int64(g.pageSize)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(make([]byte, g.pageSize), page); diff != "" {
		t.Errorf("the lock-byte page was written")
	}
	if got := integrity(t, path); got != "ok" {
		t.Fatalf("integrity_check: %s", got)
	}
	db := openDB(t, path)
	defer db.Close()
	rs, err := db.Query("SELECT rowid, c0, c1 FROM t ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	n := int64(0)
	for rs.Next() {
		var id int64
		var b []byte
		var k string
		if err := rs.Scan(&id, &b, &k); err != nil {
			t.Fatal(err)
		}
		n++
		if id != n || string(b) != string(blob(id)) || k != fmt.Sprintf("k%05d", id) {
			t.Fatalf("row %d reads back as rowid %d, %d bytes, %q", n, id, len(b), k)
		}
	}
	if n != rows {
		t.Errorf("%d rows read back, want %d", n, rows)
	}
}
