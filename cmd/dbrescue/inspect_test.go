package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// blobHex is how a test expects a blob: its bytes in hex.
type blobHex string

// plainValue turns a decoded JSON value back into a Go value a test can
// compare: nil, int64, float64, string or blobHex.
func plainValue(t *testing.T, v valueReport) any {
	t.Helper()
	switch v.Type {
	case valueNull:
		return nil
	case valueInteger:
		n, err := v.Value.(json.Number).Int64()
		if err != nil {
			t.Fatalf("integer value %v: %v", v.Value, err)
		}
		return n
	case valueReal:
		f, err := v.Value.(json.Number).Float64()
		if err != nil {
			t.Fatalf("real value %v: %v", v.Value, err)
		}
		return f
	case valueText:
		return v.Value.(string)
	case valueBlob:
		return blobHex(v.Value.(string))
	}
	t.Fatalf("unexpected value type %q", v.Type)
	return nil
}

// decodedRow is a cell as a test compares it.
type decodedRow struct {
	Rowid  int64
	Values []any
}

func decodedRows(t *testing.T, cells []cellReport) []decodedRow {
	t.Helper()
	var rows []decodedRow
	for _, c := range cells {
		if c.Error != "" || c.RecordError != "" || c.Rowid == nil {
			t.Fatalf("cell %d did not decode cleanly: %+v", c.Index, c)
		}
		r := decodedRow{Rowid: *c.Rowid}
		for _, v := range c.Values {
			r.Values = append(r.Values, plainValue(t, v))
		}
		rows = append(rows, r)
	}
	return rows
}

func inspectPage(t *testing.T, db string, pgno int64) *pageDocument {
	t.Helper()
	r := runApp(t, "inspect", "--json", "--page", strconv.FormatInt(pgno, 10), db).mustSucceed(t)
	var doc pageDocument
	decodeJSON(t, r.stdout, &doc)
	return &doc
}

func inspectReportOf(t *testing.T, db string) *inspectReport {
	t.Helper()
	r := runApp(t, "inspect", "--json", db).mustSucceed(t)
	var rep inspectReport
	decodeJSON(t, r.stdout, &rep)
	return &rep
}

func TestFlagsBeforeOrAfterTheDatabase(t *testing.T) {
	db := newSampleDB(t)
	root := strconv.FormatInt(sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = 'contacts'"), 10)
	for _, group := range [][][]string{
		{
			{"inspect", "--json", db},
			{"inspect", db, "--json"},
			{"inspect", db, "--json=true"},
		},
		{
			{"inspect", "--json", "--page", root, db},
			{"inspect", db, "--page", root, "--json"},
			{"inspect", "--page=" + root, db, "--json"},
			{"inspect", "--json", db, "--page", root},
		},
		{
			{"inspect", db},
			{"inspect", "--", db},
		},
	} {
		want := runApp(t, group[0]...).mustSucceed(t).stdout
		if want == "" {
			t.Fatalf("%q wrote nothing to stdout", group[0])
		}
		for _, args := range group[1:] {
			got := runApp(t, args...).mustSucceed(t).stdout
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%q and %q differ (-first +second):\n%s", group[0], args, diff)
			}
		}
	}
}

func TestInspectAgreesWithSQLite(t *testing.T) {
	db := newSampleDB(t)
	rep := inspectReportOf(t, db)

	if got, want := int64(rep.Geometry.PageCount), sqliteInt(t, db, "PRAGMA page_count"); got != want {
		t.Errorf("page_count = %d, SQLite says %d", got, want)
	}
	if rep.Geometry.PageSize != samplePageSize || rep.Geometry.Source != geometryFromHeader {
		t.Errorf("geometry = %+v, want page size %d from the header", rep.Geometry, samplePageSize)
	}
	if len(rep.Header.Problems) != 0 || rep.Header.UserVersion != sampleUserVer || rep.Header.ApplicationID != sampleAppID {
		t.Errorf("header = %+v, want no problems, user_version %d, application_id %#x", rep.Header, sampleUserVer, sampleAppID)
	}
	freePages := sqliteInt(t, db, "PRAGMA freelist_count")
	if freePages == 0 {
		t.Fatal("the sample should have a freelist (a dropped table)")
	}
	if got := int64(rep.Freelist.TrunkCount + rep.Freelist.LeafCount); got != freePages || len(rep.Freelist.Problems) != 0 {
		t.Errorf("freelist = %+v, SQLite counts %d free pages", rep.Freelist, freePages)
	}
	if got := int64(rep.PageKinds[string(kindFreelistTrunk)] + rep.PageKinds[string(kindFreelistLeaf)]); got != freePages {
		t.Errorf("page_kinds counts %d freelist pages, want %d", got, freePages)
	}
	var total uint32
	for _, n := range rep.PageKinds {
		total += n
	}
	if total != rep.Geometry.PageCount {
		t.Errorf("page_kinds add up to %d pages, the file has %d", total, rep.Geometry.PageCount)
	}
	for _, k := range []pageKind{kindZero, kindUnknown, kindUnreadable} {
		if n := rep.PageKinds[string(k)]; n != 0 {
			t.Errorf("a sound database has %d %s pages", n, k)
		}
	}
	if rep.PageKinds[string(kindOverflow)] == 0 {
		t.Error("the large attachments should need overflow pages")
	}
	if rep.Damage.Count != 0 {
		t.Errorf("damage in a sound database: %+v", rep.Damage)
	}
	if rep.WAL.Present {
		t.Errorf("the sample has no WAL, report says %+v", rep.WAL)
	}

	// Every b-tree, at the root SQLite names, with as many entries as rows.
	for _, name := range []string{"contacts", "conversations", "messages", "messages_by_conversation", "reactions", "sqlite_sequence"} {
		b := btreeByName(t, rep, name)
		wantRoot := sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = ?", name)
		tbl := b.TblName
		wantEntries := sqliteInt(t, db, "SELECT count(*) FROM "+tbl)
		if b.RootPage != wantRoot || int64(b.Entries) != wantEntries || b.ErrorCount != 0 {
			t.Errorf("%s: root %d, %d entries, %d errors; want root %d, %d entries, no errors",
				name, b.RootPage, b.Entries, b.ErrorCount, wantRoot, wantEntries)
		}
	}
	var kinds []string
	for _, o := range rep.Schema.Objects {
		kinds = append(kinds, o.Type+" "+o.Name)
	}
	for _, want := range []string{"view conversation_summary", "trigger messages_touch_conversation"} {
		if !strings.Contains(strings.Join(kinds, "\n"), want) {
			t.Errorf("schema objects %q lack %q", kinds, want)
		}
	}
}

func TestPageReturnsInsertedRows(t *testing.T) {
	db := newSampleDB(t)
	root := sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = 'contacts'")
	doc := inspectPage(t, db, root)

	if doc.Page.Kind != string(kindTableLeaf) || doc.Page.Tree == nil || doc.Page.Tree.Name != "contacts" {
		t.Fatalf("page %d: kind %q tree %+v, want a table-leaf of contacts", root, doc.Page.Kind, doc.Page.Tree)
	}
	if doc.Page.BTree == nil || !doc.Page.BTree.Space.Consistent {
		t.Fatalf("page %d: b-tree detail missing or space inconsistent: %+v", root, doc.Page.BTree)
	}
	var want []decodedRow
	for _, c := range sampleContacts {
		var avatar any
		if c.Avatar != nil {
			avatar = blobHex(hex.EncodeToString(c.Avatar))
		}
		// id is the INTEGER PRIMARY KEY: stored as NULL, the value is the rowid.
		want = append(want, decodedRow{Rowid: c.ID, Values: []any{nil, c.Name, c.Phone, avatar}})
	}
	if diff := cmp.Diff(want, decodedRows(t, doc.Page.BTree.Cells)); diff != "" {
		t.Errorf("contacts rows on page %d (-want +got):\n%s", root, diff)
	}
}

func TestPageFollowsOverflowChain(t *testing.T) {
	db := newSampleDB(t)
	rep := inspectReportOf(t, db)
	const rowid = 42
	size := sampleAttachments[rowid]

	for pgno := int64(1); pgno <= int64(rep.Geometry.PageCount); pgno++ {
		doc := inspectPage(t, db, pgno)
		if doc.Page.Tree == nil || doc.Page.Tree.Name != "messages" || doc.Page.Kind != string(kindTableLeaf) {
			continue
		}
		for _, c := range doc.Page.BTree.Cells {
			if c.Rowid == nil || *c.Rowid != rowid {
				continue
			}
			got := decodedRows(t, []cellReport{c})[0]
			want := decodedRow{Rowid: rowid, Values: []any{
				nil, int64(1 + rowid%3), int64(1 + rowid%len(sampleContacts)), int64(sampleEpoch + 97*rowid),
				sampleBodies[rowid%len(sampleBodies)],
				blobHex(hex.EncodeToString(sampleBlob(size, rowid)[:maxBlobBytes])),
			}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("message %d (-want +got):\n%s", rowid, diff)
			}
			if a := c.Values[5]; a.Bytes != size || !a.Truncated {
				t.Errorf("attachment reported as %d bytes (truncated %v), want %d bytes, truncated", a.Bytes, a.Truncated, size)
			}
			per := int64(rep.Geometry.UsableSize - 4)
			spill := c.PayloadSize - int64(c.LocalSize)
			if n := int64(len(c.OverflowPages)); c.OverflowError != "" || n != (spill+per-1)/per || c.OverflowPages[0] != c.FirstOverflow {
				t.Errorf("overflow chain %v (first %d, error %q) for %d spilled bytes", c.OverflowPages, c.FirstOverflow, c.OverflowError, spill)
			}
			for _, o := range c.OverflowPages {
				if od := inspectPage(t, db, int64(o)); od.Page.Kind != string(kindOverflow) || od.Page.Overflow == nil {
					t.Errorf("page %d of the chain is %q, want overflow", o, od.Page.Kind)
				}
			}
			return
		}
	}
	t.Fatalf("no messages leaf holds rowid %d", rowid)
}

func TestZeroedHeaderStillInspects(t *testing.T) {
	db := newSampleDB(t)
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 100), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	r := runApp(t, "inspect", "--json", db).mustSucceed(t)
	if !strings.Contains(r.stderr, "detected page size 4096") {
		t.Errorf("stderr does not say the page size was detected:\n%s", r.stderr)
	}
	var rep inspectReport
	decodeJSON(t, r.stdout, &rep)
	if rep.Geometry.Source != geometryFromDetected || rep.Geometry.PageSize != samplePageSize || rep.Geometry.ReservedBytes != 0 {
		t.Errorf("geometry = %+v, want 4096 bytes, no reserve, detected", rep.Geometry)
	}
	if len(rep.Header.Problems) == 0 {
		t.Error("a zeroed header reported without problems")
	}
	// Page 1's b-tree starts after the header, so the schema survives.
	if b := btreeByName(t, &rep, "messages"); b.Entries != sampleMessages {
		t.Errorf("messages: %d entries, want %d", b.Entries, sampleMessages)
	}
	// The freelist is lost with the header; its pages become orphans.
	if rep.Freelist.TrunkCount != 0 || rep.PageKinds[orphanPrefix+string(kindTableLeaf)] == 0 {
		t.Errorf("freelist %+v, page kinds %v: want no freelist and orphan table leaves", rep.Freelist, rep.PageKinds)
	}
}

func TestDamagedLeafIsReported(t *testing.T) {
	db := newSampleDB(t)
	root := sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = 'messages'")
	interior := inspectPage(t, db, root)
	if interior.Page.BTree == nil || interior.Page.Kind != string(kindTableInterior) {
		t.Fatalf("messages root %d is %q, want table-interior", root, interior.Page.Kind)
	}
	leaf := int64(interior.Page.BTree.Cells[0].LeftChild)
	lost := inspectPage(t, db, leaf).Page.BTree.CellCount

	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, samplePageSize), (leaf-1)*samplePageSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	rep := inspectReportOf(t, db)
	b := btreeByName(t, rep, "messages")
	if b.Entries != sampleMessages-lost || b.ErrorCount == 0 {
		t.Errorf("messages: %d entries, %d errors; want %d entries and an error for page %d", b.Entries, b.ErrorCount, sampleMessages-lost, leaf)
	}
	if rep.Damage.Count == 0 || rep.Damage.First[0].Page != uint32(leaf) {
		t.Errorf("damage = %+v, want the zeroed page %d first", rep.Damage, leaf)
	}
	if doc := inspectPage(t, db, leaf); doc.Page.Kind != string(kindZero) {
		t.Errorf("page %d is %q, want zero", leaf, doc.Page.Kind)
	}
}

// walModeCopy builds a WAL-mode database whose table notes holds 500
// rows, all committed into its WAL, and returns a copy of it and its WAL
// taken while the writer is still open (closing would checkpoint the WAL
// into the main file and delete it).
func walModeCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	conn, err := sql.Open("sqlite", live)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	for _, q := range []string{
		"PRAGMA journal_mode = WAL",
		"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500) INSERT INTO notes SELECT i, printf('note %d', i) FROM n",
	} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db := filepath.Join(dir, "copy.db")
	copyFile(t, live, db)
	copyFile(t, live+"-wal", db+"-wal")
	return db
}

func TestInspectReadsCommittedWAL(t *testing.T) {
	db := walModeCopy(t)
	rep := inspectReportOf(t, db)
	w := rep.WAL
	if !w.Present || !w.Overlaid || w.FramesVerified == 0 || w.CommitFrames == 0 ||
		w.CommittedFrames != w.FramesVerified || w.UncommittedTailFrames != 0 || w.StopReason != "" {
		t.Errorf("wal = %+v, want a present, overlaid WAL whose frames all verify and commit", w)
	}
	if w.DatabaseSizeAfterCommit != rep.Geometry.PageCount {
		t.Errorf("db_size_after_last_commit %d, page_count %d: the overlay should give the committed size", w.DatabaseSizeAfterCommit, rep.Geometry.PageCount)
	}
	if b := btreeByName(t, rep, "notes"); b.Entries != 500 || b.ErrorCount != 0 {
		t.Errorf("notes: %d entries, %d errors, want 500 read through the WAL", b.Entries, b.ErrorCount)
	}
}

func TestInspectDoesNotModifyTheDatabase(t *testing.T) {
	db := newSampleDB(t)
	before := fileSHA256(t, db)
	entriesBefore, err := os.ReadDir(filepath.Dir(db))
	if err != nil {
		t.Fatal(err)
	}
	runApp(t, "inspect", db).mustSucceed(t)
	runApp(t, "inspect", "--json", db).mustSucceed(t)
	runApp(t, "inspect", "--page", "1", db).mustSucceed(t)

	if after := fileSHA256(t, db); after != before {
		t.Errorf("sha256 changed from %x to %x", before, after)
	}
	entriesAfter, err := os.ReadDir(filepath.Dir(db))
	if err != nil {
		t.Fatal(err)
	}
	if len(entriesAfter) != len(entriesBefore) {
		t.Errorf("inspect created files next to the database: %v", entriesAfter)
	}
}

func TestAutoVacuumPointerMap(t *testing.T) {
	db := filepath.Join(t.TempDir(), "autovacuum.db")
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	for _, q := range []string{
		"PRAGMA auto_vacuum = FULL",
		"CREATE TABLE photos (id INTEGER PRIMARY KEY, data BLOB)",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20) INSERT INTO photos SELECT i, zeroblob(3000) FROM n",
	} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}

	rep := inspectReportOf(t, db)
	if rep.Header.AutoVacuum != "full" || rep.PageKinds[string(kindPtrmap)] != 1 || rep.Damage.Count != 0 {
		t.Fatalf("auto_vacuum %q, %d ptrmap pages, damage %+v; want full, 1, none", rep.Header.AutoVacuum, rep.PageKinds[string(kindPtrmap)], rep.Damage)
	}
	// Page 2 is the first pointer map; its entry for the photos root says
	// "root page, no parent", as SQLite wrote it.
	doc := inspectPage(t, db, 2)
	if doc.Page.Kind != string(kindPtrmap) || doc.Page.Ptrmap == nil {
		t.Fatalf("page 2 is %q, want ptrmap", doc.Page.Kind)
	}
	root := sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = 'photos'")
	want := ptrmapEntryReport{Pgno: uint32(root), Type: 1, TypeName: "root", Parent: 0}
	if got := doc.Page.Ptrmap.Entries[root-3]; got != want {
		t.Errorf("pointer-map entry %+v, want %+v", got, want)
	}
	if n := int64(len(doc.Page.Ptrmap.Entries)); n != int64(rep.Geometry.PageCount)-2 {
		t.Errorf("%d pointer-map entries for %d pages", n, rep.Geometry.PageCount)
	}
}
