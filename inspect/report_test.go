package inspect_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/inspect"
)

// A sound database: inspect's numbers are SQLite's.
func TestReportAgreesWithSQLite(t *testing.T) {
	db := sample(t)
	rep := open(t, db).Report()

	if got, want := int64(rep.Geometry.PageCount), sqliteInt(t, db, "PRAGMA page_count"); got != want {
		t.Errorf("page_count = %d, SQLite says %d", got, want)
	}
	if rep.Geometry.PageSize != 4096 || rep.Geometry.Source != census.FromHeader || rep.Geometry.Detections != nil {
		t.Errorf("geometry = %+v, want page size 4096 from the header", rep.Geometry)
	}
	if len(rep.Header.Problems) != 0 || int64(rep.Header.UserVersion) != sqliteInt(t, db, "PRAGMA user_version") ||
		int64(rep.Header.ApplicationID) != sqliteInt(t, db, "PRAGMA application_id") {
		t.Errorf("header = %+v, want no problems and SQLite's user_version and application_id", rep.Header)
	}
	freePages := sqliteInt(t, db, "PRAGMA freelist_count")
	if freePages == 0 {
		t.Fatal("the sample should have a freelist (deleted rows)")
	}
	if got := int64(rep.Freelist.TrunkCount + rep.Freelist.LeafCount); got != freePages || len(rep.Freelist.Problems) != 0 {
		t.Errorf("freelist = %+v, SQLite counts %d free pages", rep.Freelist, freePages)
	}
	if got := int64(rep.PageKinds["freelist-trunk"] + rep.PageKinds["freelist-leaf"]); got != freePages {
		t.Errorf("page_kinds counts %d freelist pages, want %d", got, freePages)
	}
	var total uint32
	for _, n := range rep.PageKinds {
		total += n
	}
	if total != rep.Geometry.PageCount {
		t.Errorf("page_kinds add up to %d pages, the file has %d", total, rep.Geometry.PageCount)
	}
	for k, n := range rep.PageKinds {
		if inspect.IsOrphan(k) || k == "zero" || k == "unknown" || k == "unreadable" || k == inspect.KindMissing {
			t.Errorf("a sound database has %d %s pages", n, k)
		}
	}
	if rep.PageKinds["overflow"] == 0 {
		t.Error("the large attachments should need overflow pages")
	}
	if rep.Damage.Count != 0 || rep.Geometry.MissingPages != 0 {
		t.Errorf("damage in a sound database: %+v, %d missing pages", rep.Damage, rep.Geometry.MissingPages)
	}
	if rep.WAL.Present {
		t.Errorf("the sample has no WAL, report says %+v", rep.WAL)
	}

	// Every b-tree, at the root SQLite names, with as many entries as rows.
	type tree struct {
		Root    int64
		Entries int
		Errors  int
	}
	want, got := map[string]tree{}, map[string]tree{}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT name, tbl_name, rootpage FROM sqlite_master WHERE rootpage > 0")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, tbl string
		var root int64
		if err := rows.Scan(&name, &tbl, &root); err != nil {
			t.Fatal(err)
		}
		want[name] = tree{Root: root, Entries: int(sqliteInt(t, db, `SELECT count(*) FROM "`+tbl+`"`))}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, b := range rep.BTrees {
		if b.Name != "sqlite_master" {
			got[b.Name] = tree{Root: b.RootPage, Entries: b.Entries, Errors: b.ErrorCount}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("b-trees (-SQLite +inspect):\n%s", diff)
	}
	var objects []string
	for _, o := range rep.Schema.Objects {
		objects = append(objects, o.Type+" "+o.Name)
	}
	for _, want := range []string{"view conversation_summary", "trigger messages_touch_conversation"} {
		if !strings.Contains(strings.Join(objects, "\n"), want) {
			t.Errorf("schema objects %q lack %q", objects, want)
		}
	}
}

// Every row stored on the table leaves of contacts and conversations, as
// the page documents decode them, is SQLite's row as stored.
func TestPagesHoldTheRowsSQLiteReturns(t *testing.T) {
	db := sample(t)
	in := open(t, db)
	truth, err := corpus.RecordTruth(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range truth.Tables {
		if tt.Name != "contacts" && tt.Name != "conversations" {
			continue
		}
		var want, got []decodedRow
		for _, r := range tt.Rows {
			want = append(want, storedRow(tt, r))
		}
		for pgno := uint32(1); pgno <= in.File.PageCount(); pgno++ {
			if pr := page(t, in, pgno); pr.Kind == "table-leaf" && pr.Tree != nil && pr.Tree.Name == tt.Name {
				if pr.BTree == nil || !pr.BTree.Space.Consistent {
					t.Fatalf("page %d: b-tree detail missing or space inconsistent: %+v", pgno, pr.BTree)
				}
				got = append(got, decodedRows(t, pr.BTree.Cells)...)
			}
		}
		if len(want) == 0 {
			t.Fatalf("the sample has no %s", tt.Name)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s rows on its leaves (-SQLite +pages):\n%s", tt.Name, diff)
		}
	}
}

// A row too large for its page: the page document follows its overflow
// chain to the whole value, and every page of the chain is an overflow
// page.
func TestPageFollowsOverflowChain(t *testing.T) {
	db := sample(t)
	in := open(t, db)
	truth, err := corpus.RecordTruth(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	// Message 7 is a voice note longer than two pages (package corpus).
	const rowid = 7
	var messages *corpus.TableTruth
	var row corpus.Row
	for _, tt := range truth.Tables {
		if tt.Name == "messages" {
			messages = tt
			for _, r := range tt.Rows {
				if r.Rowid == rowid {
					row = r
				}
			}
		}
	}
	payload := row.Values[5].([]byte)
	for pgno := uint32(1); pgno <= in.File.PageCount(); pgno++ {
		pr := page(t, in, pgno)
		if pr.Tree == nil || pr.Tree.Name != "messages" || pr.Kind != "table-leaf" {
			continue
		}
		for _, c := range pr.BTree.Cells {
			if c.Rowid == nil || *c.Rowid != rowid {
				continue
			}
			if diff := cmp.Diff(storedRow(messages, row), decodedRows(t, []inspect.CellReport{c})[0]); diff != "" {
				t.Errorf("message %d (-SQLite +page %d):\n%s", rowid, pgno, diff)
			}
			if a := c.Values[5]; a.Bytes != len(payload) || !a.Truncated {
				t.Errorf("payload reported as %d bytes (truncated %v), want %d bytes, truncated", a.Bytes, a.Truncated, len(payload))
			}
			per := int64(in.File.Usable() - 4)
			spill := c.PayloadSize - int64(c.LocalSize)
			if n := int64(len(c.OverflowPages)); c.OverflowError != "" || n < 2 || n != (spill+per-1)/per || c.OverflowPages[0] != c.FirstOverflow {
				t.Errorf("overflow chain %v (first %d, error %q) for %d spilled bytes", c.OverflowPages, c.FirstOverflow, c.OverflowError, spill)
			}
			for i, o := range c.OverflowPages {
				op := page(t, in, o)
				next := uint32(0)
				if i+1 < len(c.OverflowPages) {
					next = c.OverflowPages[i+1]
				}
				if op.Kind != "overflow" || op.Overflow == nil || op.Overflow.NextPage != next {
					t.Errorf("page %d of the chain is %q (%+v), want overflow continuing on page %d", o, op.Kind, op.Overflow, next)
				}
			}
			return
		}
	}
	t.Fatalf("no messages leaf holds rowid %d", rowid)
}

// A zeroed header: the page size is detected, the schema (after the
// header on page 1) survives, and the freelist the header named is
// recognised by its content.
func TestZeroedHeaderStillInspects(t *testing.T) {
	db := sample(t)
	freePages := sqliteInt(t, db, "PRAGMA freelist_count")
	messages := sqliteInt(t, db, "SELECT count(*) FROM messages")
	if freePages == 0 {
		t.Fatal("the sample should have a freelist (deleted rows)")
	}
	edit(t, db, 0, make([]byte, 100))

	in := open(t, db)
	rep := in.Report()
	if rep.Geometry.Source != census.FromDetection || rep.Geometry.PageSize != 4096 || rep.Geometry.ReservedBytes != 0 || len(rep.Geometry.Detections) == 0 {
		t.Errorf("geometry = %+v, want 4096 bytes, no reserve, detected", rep.Geometry)
	}
	if len(rep.Header.Problems) == 0 {
		t.Error("a zeroed header reported without problems")
	}
	if b := tree(rep, "messages"); int64(b.Entries) != messages {
		t.Errorf("messages: %d entries, want %d", b.Entries, messages)
	}
	if rep.Freelist.HeaderFirstTrunk != 0 || int64(rep.Freelist.TrunkCount+rep.Freelist.LeafCount) != freePages {
		t.Errorf("freelist %+v: want the %d free pages recognised with no header to name them", rep.Freelist, freePages)
	}
	for k, n := range rep.PageKinds {
		if inspect.IsOrphan(k) {
			t.Errorf("%d %s pages: every page is reached from the schema or the freelist", n, k)
		}
	}
}

// A zeroed leaf: its rows are missing from its tree's entries, the damage
// names the page, and the page is zero, reached from its tree.
func TestDamagedLeafIsReported(t *testing.T) {
	db := sample(t)
	in := open(t, db)
	root := uint32(sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = 'messages'"))
	interior := page(t, in, root)
	if interior.BTree == nil || interior.Kind != "table-interior" {
		t.Fatalf("messages root %d is %q, want table-interior", root, interior.Kind)
	}
	leaf := interior.BTree.Cells[0].LeftChild
	lost := page(t, in, leaf).BTree.CellCount
	entries := tree(in.Report(), "messages").Entries
	in.Close()

	edit(t, db, int64(leaf-1)*4096, make([]byte, 4096))
	in = open(t, db)
	rep := in.Report()
	b := tree(rep, "messages")
	if b.Entries != entries-lost || b.ErrorCount == 0 {
		t.Errorf("messages: %d entries, %d errors; want %d entries and an error for page %d", b.Entries, b.ErrorCount, entries-lost, leaf)
	}
	if rep.Damage.Count == 0 || rep.Damage.First[0].Page != leaf {
		t.Errorf("damage = %+v, want the zeroed page %d first", rep.Damage, leaf)
	}
	if pr := page(t, in, leaf); pr.Kind != "zero" || pr.Tree == nil || pr.Tree.Name != "messages" {
		t.Errorf("page %d is %q reached from %+v, want zero, reached from messages", leaf, pr.Kind, pr.Tree)
	}
}

// A file cut short: the pages the header promises and the file lacks are
// counted as missing, the damage says so first, with the reason, and
// each missing page is named as missing.
func TestTruncatedFileNamesMissingPages(t *testing.T) {
	db := sample(t)
	count := uint32(sqliteInt(t, db, "PRAGMA page_count"))
	kept := count / 2
	if err := os.Truncate(db, int64(kept)*4096); err != nil {
		t.Fatal(err)
	}
	in := open(t, db)
	rep := in.Report()
	if rep.Geometry.PageCount != kept || rep.Geometry.MissingPages != count-kept || rep.PageKinds[inspect.KindMissing] != count-kept {
		t.Errorf("geometry %+v, page kinds %v: want %d pages and %d missing", rep.Geometry, rep.PageKinds, kept, count-kept)
	}
	if !strings.Contains(rep.Geometry.MissingWhy, "header's page count") {
		t.Errorf("missing_why %q does not say the header's page count tells", rep.Geometry.MissingWhy)
	}
	if len(rep.Damage.First) == 0 {
		t.Fatal("a truncated file reported without damage")
	}
	reason := fmt.Sprintf("%d pages missing beyond the end of the file (pages %d to %d): %s", count-kept, kept+1, count, rep.Geometry.MissingWhy)
	want := inspect.Problem{Page: kept + 1, Reason: reason, Message: fmt.Sprintf("corrupt page %d at offset 0: %s", kept+1, reason)}
	if diff := cmp.Diff(want, rep.Damage.First[0]); diff != "" {
		t.Errorf("first damage (-want +got):\n%s", diff)
	}
	for _, pgno := range []uint32{kept + 1, count} {
		if pr := page(t, in, pgno); pr.Kind != inspect.KindMissing || !strings.Contains(pr.Note, rep.Geometry.MissingWhy) {
			t.Errorf("page %d: kind %q, note %q; want missing and why", pgno, pr.Kind, pr.Note)
		}
	}
	var re *inspect.PageRangeError
	if _, err := in.Page(count + 1); !errors.As(err, &re) || re.Count != kept || re.Missing != count-kept {
		t.Errorf("page %d: %v, want a PageRangeError", count+1, err)
	}
}
