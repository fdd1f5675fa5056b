package inspect_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/internal/testdb"
)

// A WAL-mode database copied with its WAL: the committed frames are
// overlaid, and the rows only they hold are counted.
func TestReadsCommittedWAL(t *testing.T) {
	db := testdb.BuildState(t, t.TempDir(), testdb.CopiedWAL, 500)
	rep := open(t, db).Report()
	w := rep.WAL
	if !w.Present || !w.Overlaid || w.FramesVerified == 0 || w.CommitFrames == 0 ||
		w.CommittedFrames != w.FramesVerified || w.UncommittedTailFrames != 0 || w.StopReason != "" {
		t.Errorf("wal = %+v, want a present, overlaid WAL whose frames all verify and commit", w)
	}
	if w.DatabaseSizeAfterCommit != rep.Geometry.PageCount {
		t.Errorf("db_size_after_last_commit %d, page_count %d: the overlay should give the committed size", w.DatabaseSizeAfterCommit, rep.Geometry.PageCount)
	}
	if b := tree(rep, "t"); b.Entries != 500 || b.ErrorCount != 0 {
		t.Errorf("t: %d entries, %d errors, want 500 read through the WAL", b.Entries, b.ErrorCount)
	}
}

// An auto_vacuum database: its pointer-map page is named and decoded.
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

	in := open(t, db)
	rep := in.Report()
	if rep.Header.AutoVacuum != "full" || rep.PageKinds["ptrmap"] != 1 || rep.Damage.Count != 0 {
		t.Fatalf("auto_vacuum %q, %d ptrmap pages, damage %+v; want full, 1, none", rep.Header.AutoVacuum, rep.PageKinds["ptrmap"], rep.Damage)
	}
	// Page 2 is the first pointer map; its entry for the photos root says
	// "root page, no parent", as SQLite wrote it.
	pr := page(t, in, 2)
	if pr.Kind != "ptrmap" || pr.Ptrmap == nil {
		t.Fatalf("page 2 is %q, want ptrmap", pr.Kind)
	}
	root := sqliteInt(t, db, "SELECT rootpage FROM sqlite_master WHERE name = 'photos'")
	want := inspect.PtrmapEntryReport{Pgno: uint32(root), Type: 1, TypeName: "root", Parent: 0}
	if got := pr.Ptrmap.Entries[root-3]; got != want {
		t.Errorf("pointer-map entry %+v, want %+v", got, want)
	}
	if n := int64(len(pr.Ptrmap.Entries)); n != int64(rep.Geometry.PageCount)-2 {
		t.Errorf("%d pointer-map entries for %d pages", n, rep.Geometry.PageCount)
	}
}
