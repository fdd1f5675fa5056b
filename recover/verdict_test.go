package recover_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

// leafOf returns a leaf page of table name, as the metadata backup at
// meta lists it, chosen from the middle of the tree.
func leafOf(t *testing.T, meta, name string) master.Leaf {
	t.Helper()
	m, _, err := master.ReadLatest(meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range m.Trees {
		if tr.Name == name && len(tr.Leaves) > 2 {
			return tr.Leaves[len(tr.Leaves)/2]
		}
	}
	t.Fatalf("no tree %q with 3 leaves", name)
	return master.Leaf{}
}

// Issue 10 §6: a destroyed leaf loses its rows. With a metadata backup the
// report knows how many (its cell count for that leaf) and says so;
// without one, the table's own index still lists the rowids no page holds,
// and an index that is not partial lists every row: the count is known
// again. Without either it says the count is unknown. The status is
// partial and nothing else of the table is lost.
func TestRowsKnownLost(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	leaf := leafOf(t, meta, "messages")
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), leaf.Pgno)

	rep, _ := repair(t, broken, recover.Options{MetaPaths: []string{meta}})
	msgs := tableReport(t, rep, "messages")
	if msgs.RowsKnownLost != leaf.Cells || leaf.Cells == 0 || msgs.LossUnknown || msgs.LostHow == "" {
		t.Errorf("with the backup: %d rows known lost (%q), unknown %v; the leaf held %d", msgs.RowsKnownLost, msgs.LostHow, msgs.LossUnknown, leaf.Cells)
	}
	if want := 400 - leaf.Cells; msgs.RowsWritten != want {
		t.Errorf("%d rows written, want %d", msgs.RowsWritten, want)
	}
	if rep.Status != recover.StatusPartial || rep.Totals.KnownLost != leaf.Cells {
		t.Errorf("status %s, totals %+v", rep.Status, rep.Totals)
	}

	rep, _ = repair(t, broken, recover.Options{})
	msgs = tableReport(t, rep, "messages")
	if msgs.RowsKnownLost != leaf.Cells || msgs.LossUnknown || !strings.Contains(msgs.LostHow, "indexes") || !slices.Equal(msgs.PagesLost, []uint32{leaf.Pgno}) {
		t.Errorf("without meta: %d known lost (%q), unknown %v, pages %v", msgs.RowsKnownLost, msgs.LostHow, msgs.LossUnknown, msgs.PagesLost)
	}
	if rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonRowsLost) {
		t.Errorf("without meta: status %s, reasons %v", rep.Status, reasonCodes(rep))
	}

	// Without the index either, nothing counts the rows: unknown.
	noIndex := copyFile(t, broken, filepath.Join(dir, "noindex.db"))
	execOn(t, noIndex, `PRAGMA writable_schema = ON`, `DELETE FROM sqlite_master WHERE name = 'messages_unread'`)
	rep, _ = repair(t, noIndex, recover.Options{})
	msgs = tableReport(t, rep, "messages")
	if msgs.RowsKnownLost != 0 || !msgs.LossUnknown || rep.Status != recover.StatusPartial {
		t.Errorf("without meta or index: %d known lost, unknown %v, status %s", msgs.RowsKnownLost, msgs.LossUnknown, rep.Status)
	}
}

// Issue 10 §5: an overflow page overwritten with garbage reads as valid
// data. With a metadata backup, which records every overflow page's CRC,
// the row whose leaf did not change but whose overflow page did is flagged
// as damaged and the status is partial, not complete.
func TestGarbageOverflowIsFlagged(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", append(slices.Clone(messenger),
		`CREATE TABLE files(id INTEGER PRIMARY KEY, data BLOB)`,
		`INSERT INTO files(data) VALUES (randomblob(5000)), (randomblob(5000))`)...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	m, _, err := master.ReadLatest(meta)
	if err != nil {
		t.Fatal(err)
	}
	var victim uint32
	for _, tr := range m.Trees {
		if tr.Name == "files" && len(tr.Overflow) > 2 {
			victim = tr.Overflow[len(tr.Overflow)-1] // the last page of a chain: its garbage reads as data
		}
	}
	b, _ := os.ReadFile(db)
	for i := range 1024 {
		b[int(victim-1)*1024+i] = byte(i*7 + 3)
	}
	binary.BigEndian.PutUint32(b[int(victim-1)*1024:], 0) // still the end of its chain
	broken := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, _ := repair(t, broken, recover.Options{MetaPaths: []string{meta}})
	if tr := tableReport(t, rep, "files"); tr.Damaged != 1 {
		t.Errorf("files: %d rows flagged damaged, want 1", tr.Damaged)
	}
	if rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonRowsDamaged) {
		t.Errorf("status %s, reasons %v", rep.Status, reasonCodes(rep))
	}
}

// Issue 10 §6: damage that loses nothing is no reason to call the result
// partial. A page size field damaged into another valid size (the pages
// say otherwise), a header page count damaged into billions of pages, and
// with a metadata backup a destroyed interior page of a rowid table (it
// holds keys only: every leaf is found as an orphan and placed by its CRC)
// all end complete, every row back.
func TestDamageThatLosesNothingIsComplete(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	edit := func(name string, f func([]byte)) string {
		b, err := os.ReadFile(db)
		if err != nil {
			t.Fatal(err)
		}
		f(b)
		out := filepath.Join(dir, name)
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return out
	}
	m, _, _ := master.ReadLatest(meta)
	var interior uint32
	for _, tr := range m.Trees {
		if tr.Name == "messages" && len(tr.Interior) > 0 {
			interior = tr.Interior[0] // the root
		}
	}
	for _, c := range []struct {
		name string
		file string
		opts recover.Options
	}{
		{"page size field", edit("pagesize.db", func(b []byte) { binary.BigEndian.PutUint16(b[16:], 4096) }), recover.Options{}},
		{"page count field", edit("pagecount.db", func(b []byte) { binary.BigEndian.PutUint32(b[28:], 3489660841) }), recover.Options{}},
		{"interior page, with meta", zeroPages(t, db, filepath.Join(dir, "interior.db"), interior), recover.Options{MetaPaths: []string{meta}}},
	} {
		rep, out := repair(t, c.file, c.opts)
		for _, q := range []string{`SELECT * FROM messages ORDER BY id`, `SELECT * FROM contacts ORDER BY id`, `SELECT * FROM settings ORDER BY key`} {
			sameRows(t, db, out, q)
		}
		if rep.Status != recover.StatusComplete || rep.Pages.Missing != 0 {
			t.Errorf("%s: status %s, %d pages missing, reasons %+v", c.name, rep.Status, rep.Pages.Missing, rep.Reasons)
		}
	}
}

// Issue 10 §6: page 1 destroyed and no metadata backup: every row is kept,
// in lost_and_found tables, and the report says so instead of counting the
// rows as lost.
func TestPage1LostWithoutMetaKeepsEveryRow(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), 1)
	rep, _ := repair(t, broken, recover.Options{})
	if rep.Totals.KnownLost != 0 || rep.Totals.Recovered != 0 || rep.Totals.InLostAndFound < 200+400+150 {
		t.Errorf("totals %+v", rep.Totals)
	}
	if rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonRowsUnplaced) {
		t.Errorf("status %s, reasons %v", rep.Status, reasonCodes(rep))
	}
}

// Issue 10 §5: a byte flipped inside a row (here its indexed contact_id)
// leaves a page that parses and a row that fits: without a metadata
// backup nothing on the page tells. The table's own index still holds the
// old value: the row is flagged, and the result is partial.
func TestIndexCrossCheckFlagsChangedRows(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	leaf := leafOf(t, meta, "messages")
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	page := b[(leaf.Pgno-1)*1024 : leaf.Pgno*1024]
	p, err := btree.ParsePage(leaf.Pgno, page, 1024)
	if err != nil {
		t.Fatal(err)
	}
	var c *btree.Cell
	var types []uint64
	var pos int
	for i := 0; i < p.CellCount && c == nil; i++ {
		cell, err := p.Cell(i)
		if err != nil {
			t.Fatal(err)
		}
		if types, pos, err = btree.RecordHeader(cell.Local); err == nil && types[1] >= 1 && types[1] <= 6 {
			c = cell // contact_id stored in bytes, not as the constant 0 or 1
		}
	}
	if c == nil {
		t.Fatal("no row with a contact_id stored in bytes")
	}
	pos += int(btree.SerialTypeSize(types[0])) + int(btree.SerialTypeSize(types[1])) - 1
	off := c.Offset + c.Size - len(c.Local) + pos // the last byte of contact_id
	page[off] ^= 0x01
	broken := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, _ := repair(t, broken, recover.Options{})
	if msgs := tableReport(t, rep, "messages"); msgs.IndexMismatch != 1 || msgs.RowsKnownLost != 0 {
		t.Errorf("messages: %d rows differ from the index, %d known lost", msgs.IndexMismatch, msgs.RowsKnownLost)
	}
	if rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonRowsDamaged) {
		t.Errorf("status %s, reasons %v", rep.Status, reasonCodes(rep))
	}
}

// TestUncheckedRepairIsNeverComplete: a repair told to skip SQLite's
// integrity_check of its output (Options.SkipIntegrityCheck) loses no row
// of a sound database, yet cannot say COMPLETE: nothing verified what it
// wrote.
func TestUncheckedRepairIsNeverComplete(t *testing.T) {
	db := newDB(t, t.TempDir(), "app.db", messenger...)
	checked, _ := repair(t, db, recover.Options{})
	if checked.Status != recover.StatusComplete {
		t.Fatalf("the checked repair of a sound database: %s, reasons %v", checked.Status, reasonCodes(checked))
	}
	rep, _ := repair(t, db, recover.Options{SkipIntegrityCheck: true})
	if rep.Status == recover.StatusComplete || rep.Integrity != "not checked" || !slices.Contains(reasonCodes(rep), recover.ReasonIntegrity) {
		t.Errorf("status %s, integrity_check %q, reasons %v", rep.Status, rep.Integrity, reasonCodes(rep))
	}
	if got, want := tableReport(t, rep, "messages").RowsWritten, tableReport(t, checked, "messages").RowsWritten; got != want {
		t.Errorf("messages: %d rows written unchecked, %d checked", got, want)
	}
}
