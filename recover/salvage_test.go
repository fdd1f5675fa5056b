package recover_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/recover"
)

// damageLeaf writes a copy of db with one messages leaf changed by edit
// (given the page image and the parsed page), and returns it with the
// leaf's cell count.
func damageLeaf(t *testing.T, dir, db, meta, name string, edit func(page []byte, p *btree.Page)) (string, int) {
	t.Helper()
	leaf := leafOf(t, meta, "messages")
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	page := b[(leaf.Pgno-1)*1024 : leaf.Pgno*1024]
	p, err := btree.ParsePage(leaf.Pgno, slices.Clone(page), 1024)
	if err != nil {
		t.Fatal(err)
	}
	edit(page, p)
	out := filepath.Join(dir, name)
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out, p.CellCount
}

// Issue 11 §2: one bad header field must not throw a page away. A leaf
// whose cell count says 4099, whose first freeblock points outside the
// page, or whose cell pointer array is overwritten gives back every row
// it holds, carved, into its table; the table's own index then shows no
// row is missing, and the result is complete.
func TestDamagedLeafHeadersAreSalvaged(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	for _, c := range []struct {
		name string
		edit func(page []byte, p *btree.Page)
	}{
		{"cell-count", func(page []byte, _ *btree.Page) { binary.BigEndian.PutUint16(page[3:], 4099) }},
		{"freeblock", func(page []byte, _ *btree.Page) { binary.BigEndian.PutUint16(page[1:], 1022) }},
		{"pointers", func(page []byte, p *btree.Page) { clear(page[8 : 8+2*p.CellCount]) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			broken, cells := damageLeaf(t, dir, db, meta, c.name+".db", c.edit)
			for _, opts := range []recover.Options{{}, {MetaPaths: []string{meta}}} {
				rep, out := repair(t, broken, opts)
				sameRows(t, db, out, `SELECT * FROM messages ORDER BY id`)
				msgs := tableReport(t, rep, "messages")
				if msgs.FromCarved != cells || msgs.RowsKnownLost != 0 || rep.Status != recover.StatusComplete {
					t.Errorf("meta %v: %d rows carved (the leaf held %d), %d known lost, status %s, reasons %+v", opts.MetaPaths, msgs.FromCarved, cells, msgs.RowsKnownLost, rep.Status, rep.Reasons)
				}
			}
		})
	}
}

// Issue 11 §2: a serial type damaged into another reads as a valid but
// different value; the sizes of the record no longer add up to its
// payload, and the row is kept and flagged, never silently altered.
func TestDamagedSerialTypeIsFlagged(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	broken, _ := damageLeaf(t, dir, db, meta, "serial.db", func(page []byte, p *btree.Page) {
		c, err := p.Cell(0)
		if err != nil {
			t.Fatal(err)
		}
		at := c.Offset + c.Size - len(c.Local) // the record header
		// messages(id, contact_id, body, unread): body is the third
		// serial type; a text of n bytes is 13+2n: make it 2 bytes shorter.
		types, _, err := btree.RecordHeader(c.Local)
		if err != nil || types[2] < 17 || types[2] > 127 {
			t.Fatalf("test premise: body's serial type %v (%v)", types, err)
		}
		page[at+1+2] = byte(types[2] - 4)
	})
	rep, _ := repair(t, broken, recover.Options{})
	if msgs := tableReport(t, rep, "messages"); msgs.Damaged != 1 || rep.Status != recover.StatusPartial {
		t.Errorf("%d rows flagged damaged, status %s", msgs.Damaged, rep.Status)
	}
}

// Carving a destroyed page must not invent rows: a cell whose rowid was
// damaged (into one outside the keys the parent page gives the leaf, and
// that no index of the table lists) is kept in lost_and_found, never put
// into the table, and the row it was is counted lost.
func TestCarvedCellWithForeignRowidIsNotARow(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	var victim int64
	broken, _ := damageLeaf(t, dir, db, meta, "rowid.db", func(page []byte, p *btree.Page) {
		binary.BigEndian.PutUint16(page[3:], 4099) // the page no longer parses
		c, err := p.Cell(0)
		if err != nil {
			t.Fatal(err)
		}
		_, n := btree.Varint(page[c.Offset:])
		if c.Rowid < 128 || c.Rowid >= 16384 {
			t.Fatalf("test premise: rowid %d is not a two-byte varint", c.Rowid)
		}
		victim = c.Rowid
		page[c.Offset+n], page[c.Offset+n+1] = 0xff, 0x7f // rowid 16383
	})
	rep, out := repair(t, broken, recover.Options{})
	sameRows(t, db, out, fmt.Sprintf(`SELECT * FROM messages WHERE id != %d ORDER BY id`, victim))
	if got := rows(t, out, `SELECT id FROM messages WHERE id IN (16383, `+fmt.Sprint(victim)+`)`); len(got) != 0 {
		t.Errorf("rows %v are in messages", got)
	}
	msgs := tableReport(t, rep, "messages")
	if msgs.ToLostAndFound != 1 || msgs.RowsKnownLost != 1 || rep.Status != recover.StatusPartial {
		t.Errorf("%d to lost_and_found, %d known lost, status %s", msgs.ToLostAndFound, msgs.RowsKnownLost, rep.Status)
	}
}

// A chain's last overflow page, overwritten, still gives the payload's
// length of bytes; only its next pointer, which SQLite sets to 0 there,
// tells. The row is kept, whole, and flagged damaged, and the repair is
// not complete.
func TestOverwrittenLastOverflowPageIsFlagged(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db",
		`CREATE TABLE notes(id INTEGER PRIMARY KEY, body BLOB)`,
		`INSERT INTO notes VALUES (1, 'short'), (2, randomblob(3000)), (3, 'short too')`)
	f, err := pagefile.Open(db, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rd := btree.NewReader(f, f.Usable(), pagefile.EncodingUTF8)
	var last uint32
	if _, err := rd.Walk(2, func(e *btree.Entry) error {
		if len(e.Overflow) > 1 {
			last = e.Overflow[len(e.Overflow)-1]
		}
		return nil
	}); err != nil || last == 0 {
		t.Fatalf("test premise: no chain of two pages (%v)", err)
	}
	f.Close()
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	page := b[(last-1)*1024 : last*1024]
	for i := range page {
		page[i] = byte(i*7 + 3)
	}
	broken := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, out := repair(t, broken, recover.Options{})
	sameRows(t, db, out, `SELECT id, length(body) FROM notes ORDER BY id`)
	if notes := tableReport(t, rep, "notes"); notes.Damaged != 1 || notes.Truncated != 0 || rep.Status != recover.StatusPartial {
		t.Errorf("%d damaged, %d truncated, status %s", notes.Damaged, notes.Truncated, rep.Status)
	}
}

// A lost write can leave a leaf as it was before a row was added, the
// row's cell still whole in the page's unallocated space while the
// table's index lists it. The index decides: the row comes back into its
// table, flagged damaged (it may be an older version); without an index
// listing it, a cell in free space is deleted data and stays out.
func TestRowItsIndexListsComesBackFromFreeSpace(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	var victim int64
	broken, _ := damageLeaf(t, dir, db, meta, "lostwrite.db", func(page []byte, p *btree.Page) {
		c, err := p.Cell(p.CellCount - 1) // the highest rowid, the lowest offset
		if err != nil || c.Offset != p.ContentStart {
			t.Fatalf("test premise: the last cell is at %d, the content area starts at %d (%v)", c.Offset, p.ContentStart, err)
		}
		victim = c.Rowid
		binary.BigEndian.PutUint16(page[3:], uint16(p.CellCount-1))
		binary.BigEndian.PutUint16(page[5:], uint16(c.Offset+c.Size))
	})
	rep, out := repair(t, broken, recover.Options{})
	sameRows(t, db, out, `SELECT * FROM messages ORDER BY id`)
	msgs := tableReport(t, rep, "messages")
	if msgs.Damaged != 1 || msgs.RowsKnownLost != 0 || rep.Status != recover.StatusPartial {
		t.Errorf("%d damaged, %d known lost, status %s", msgs.Damaged, msgs.RowsKnownLost, rep.Status)
	}

	// Without the index the cell is only deleted data.
	noIndex := filepath.Join(dir, "noindex.db")
	copyFile(t, broken, noIndex)
	execOn(t, noIndex, `DROP INDEX messages_unread`)
	_, out = repair(t, noIndex, recover.Options{})
	if got := rows(t, out, fmt.Sprintf(`SELECT id FROM messages WHERE id = %d`, victim)); len(got) != 0 {
		t.Errorf("row %d came back although no index lists it", victim)
	}
}
