package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// hotJournalRows is how many rows the hot journal fixture commits; its
// interrupted transaction changes half of them and appends a seventh more.
const hotJournalRows = 1000

// hotJournalDB writes, into a new directory, a database copied in the
// middle of a write transaction and its hot journal, as a crash leaves
// them (see testdb.BuildHotJournal).
func hotJournalDB(t *testing.T) (string, *testdb.HotJournal) {
	t.Helper()
	hj, err := testdb.BuildHotJournal(filepath.Join(t.TempDir(), "built.db"), "FULL", 1024, hotJournalRows)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "app.db")
	if err := os.WriteFile(db, hj.Main, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db+"-journal", hj.Journal, 0o644); err != nil {
		t.Fatal(err)
	}
	return db, hj
}

// tRows reads table t of the database at path through SQLite, as
// "id|v|pad" lines in id order.
func tRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Query(`SELECT id || '|' || v || '|' || pad FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var rows []string
	for rs.Next() {
		var r string
		if err := rs.Scan(&r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestInspectRollsBackHotJournal: inspect reads the committed database
// through the hot journal, says so, and with --no-journal reads the main
// file as the interrupted transaction left it.
func TestInspectRollsBackHotJournal(t *testing.T) {
	db, hj := hotJournalDB(t)
	dbSum, jSum := testdb.FileSHA256(t, db), testdb.FileSHA256(t, db+"-journal")

	rep := inspectReportOf(t, db)
	j := rep.Journal
	if !j.Present || !j.Hot || j.Ignored || j.Error != "" || j.RecordsUsed == 0 || j.RecordsBad != 0 || j.Segments < 2 ||
		j.OriginalSize != uint32(len(hj.Committed)/hj.PageSize) || j.PageSize != hj.PageSize {
		t.Errorf("journal = %+v, want a hot journal rolled back without damage", j)
	}
	if !rep.Header.FromJournal || rep.Header.FromWAL || rep.Geometry.PageCount != j.OriginalSize {
		t.Errorf("header from the journal %v, from the WAL %v; %d pages", rep.Header.FromJournal, rep.Header.FromWAL, rep.Geometry.PageCount)
	}
	if b := btreeByName(t, rep, "t"); b.Entries != hotJournalRows || b.ErrorCount != 0 {
		t.Errorf("t: %d entries, %d errors; want the %d committed rows", b.Entries, b.ErrorCount, hotJournalRows)
	}
	text := runApp(t, "inspect", db).mustSucceed(t).stdout
	for _, want := range []string{"Rollback journal: " + db + "-journal", "is HOT", "hot journal's copy of page 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}

	r := runApp(t, "inspect", "--json", "--no-journal", db).mustSucceed(t)
	var raw inspect.Report
	decodeJSON(t, r.stdout, &raw)
	if !raw.Journal.Ignored || raw.Journal.Hot || raw.Header.FromJournal {
		t.Errorf("--no-journal: journal = %+v", raw.Journal)
	}
	// The main file alone holds whatever the transaction had spilled: not
	// the committed rows, nor any state that ever committed.
	if b := btreeByName(t, &raw, "t"); b.Entries == hotJournalRows {
		t.Errorf("--no-journal: t has the %d committed entries; the case proves nothing", b.Entries)
	}
	if testdb.FileSHA256(t, db) != dbSum || testdb.FileSHA256(t, db+"-journal") != jSum {
		t.Errorf("inspect changed the database or its journal")
	}
}

// TestRepairRollsBackHotJournal repairs a copy taken during a write
// transaction: the rows written are the committed ones, not the
// uncommitted values spilled into the main file, and the journal is left
// as it was.
func TestRepairRollsBackHotJournal(t *testing.T) {
	db, hj := hotJournalDB(t)
	jSum := testdb.FileSHA256(t, db+"-journal")
	committed := filepath.Join(t.TempDir(), "committed.db")
	if err := os.WriteFile(committed, hj.Committed, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.db")
	if r := runApp(t, "repair", db, "-o", out); r.code != exitOK {
		t.Fatalf("repair: exit %d, want 0\n%s", r.code, r.stderr)
	}
	if diff := cmp.Diff(tRows(t, committed), tRows(t, out)); diff != "" {
		t.Errorf("repaired rows (-committed +repaired):\n%s", diff)
	}
	if testdb.FileSHA256(t, db+"-journal") != jSum {
		t.Errorf("repair changed the journal")
	}
	// Without the journal the uncommitted state is what there is.
	out2 := filepath.Join(t.TempDir(), "out.db")
	runApp(t, "repair", db, "-o", out2, "--no-journal")
	if rows := tRows(t, out2); len(rows) == hotJournalRows {
		t.Errorf("--no-journal: %d rows, as many as committed; the case proves nothing", len(rows))
	}
}

// TestSidecarFlagsExclusive: naming a journal or WAL and declining it in
// the same command is a usage error.
func TestSidecarFlagsExclusive(t *testing.T) {
	db := newSampleDB(t)
	for _, args := range [][]string{
		{"inspect", db, "--journal", "x", "--no-journal"},
		{"repair", db, "--no-journal", "--journal", "x"},
		{"repair", db, "--wal", "x", "--no-wal"},
		{"corrupt", db, "--kind", "zero-header", "--journal", "x", "--no-journal"},
	} {
		r := runApp(t, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "cannot be used together") {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}

// TestInspectSalvagedAndMissingWAL: a WAL whose header is zeroed is
// salvaged from its frames, and inspect says so; a WAL-mode database
// without its WAL gets a warning that commits may be missing.
func TestInspectSalvagedAndMissingWAL(t *testing.T) {
	db := walModeCopy(t)
	wal, err := os.ReadFile(db + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	clear(wal[:pagefile.WALHeaderSize])
	if err := os.WriteFile(db+"-wal", wal, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := inspectReportOf(t, db)
	if w := rep.WAL; !w.Overlaid || w.Error != "" || !strings.Contains(w.Salvaged, "rebuilt") || w.FramesLost != 0 || w.Missing {
		t.Errorf("wal = %+v, want it salvaged", w)
	}
	if b := btreeByName(t, rep, "notes"); b.Entries != 500 {
		t.Errorf("notes: %d entries, want the 500 committed in the WAL", b.Entries)
	}
	if text := runApp(t, "inspect", db).mustSucceed(t).stdout; !strings.Contains(text, "SALVAGED") {
		t.Errorf("text report does not say the WAL was salvaged:\n%s", text)
	}

	if err := os.Remove(db + "-wal"); err != nil {
		t.Fatal(err)
	}
	rep = inspectReportOf(t, db)
	if !rep.WAL.Missing || rep.WAL.Present {
		t.Errorf("wal = %+v, want it missing", rep.WAL)
	}
	if text := runApp(t, "inspect", db).mustSucceed(t).stdout; !strings.Contains(text, "header says WAL mode") {
		t.Errorf("text report does not warn of the missing WAL:\n%s", text)
	}
}

// TestRepairSalvagesWAL repairs a WAL-mode copy whose WAL has its first
// 32 bytes zeroed: the rows committed only in the WAL are recovered, read
// from the frames that prove themselves.
func TestRepairSalvagesWAL(t *testing.T) {
	db := walModeCopy(t)
	wal, err := os.ReadFile(db + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	clear(wal[:pagefile.WALHeaderSize])
	if err := os.WriteFile(db+"-wal", wal, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.db")
	if r := runApp(t, "repair", db, "-o", out); r.code != exitOK && r.code != exitPartial {
		t.Fatalf("repair: exit %d\n%s", r.code, r.stderr)
	}
	if n := sqliteInt(t, out, "SELECT count(*) FROM notes"); n != 500 {
		t.Errorf("%d rows of notes recovered, want the 500 committed in the WAL", n)
	}
	// Without the salvage there is nothing to recover: the rows live only
	// in the WAL, which this proves.
	out2 := filepath.Join(t.TempDir(), "out.db")
	runApp(t, "repair", db, "-o", out2, "--no-wal")
	if n := sqliteInt(t, out2, "SELECT count(*) FROM sqlite_master WHERE name = 'notes'"); n != 0 {
		t.Errorf("--no-wal: table notes recovered from the main file alone; the case proves nothing")
	}
}
