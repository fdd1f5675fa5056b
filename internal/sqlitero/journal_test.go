package sqlitero

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// TestOpenWithAHotJournal copies a rollback-mode database and its journal
// in the middle of a transaction whose pages SQLite already wrote into the
// main file, as a crash leaves them. mode=ro refuses such a file ("attempt
// to write a readonly database": it would have to roll back) and immutable
// reads the uncommitted rows. Open reads the committed rows through the
// view, which rolls the journal back in memory, and creates nothing; a
// damaged journal is ErrHotJournal, and still nothing is created.
func TestOpenWithAHotJournal(t *testing.T) {
	src := filepath.Join(t.TempDir(), "app.db")
	w := writer(t, src, false)
	insertRows(t, w, 1, 300)
	dir := t.TempDir()
	path := crashMidTransaction(t, w, src, dir)
	before := testdb.Listing(t, dir)
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if db.How != View {
		t.Errorf("Open chose %q for a hot journal, want %q", db.How, View)
	}
	rows := rowCount(t, db.DB)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	testdb.SameListing(t, dir, before)
	if rows != 299 {
		t.Errorf("read %d rows, want the 299 committed", rows)
	}

	// The journal's first record damaged where its checksum samples it.
	j, err := os.ReadFile(path + "-journal")
	if err != nil {
		t.Fatal(err)
	}
	sector := int(binary.BigEndian.Uint32(j[20:]))
	ps := int(binary.BigEndian.Uint32(j[24:]))
	j[sector+4+ps-200] ^= 0x55
	if err := os.WriteFile(path+"-journal", j, 0o644); err != nil {
		t.Fatal(err)
	}
	before = testdb.Listing(t, dir)
	if _, err := Open(context.Background(), path, Options{}); !errors.Is(err, ErrHotJournal) {
		t.Errorf("Open beside a damaged hot journal: %v, want ErrHotJournal", err)
	}
	testdb.SameListing(t, dir, before)
}

// crashMidTransaction starts a transaction on w large enough that SQLite
// spills changed pages into the main file (their originals saved in the
// journal first), copies the database and its journal into dir at that
// moment, and rolls back. It checks that the copy is what the test needs:
// mode=ro refuses it, immutable reads uncommitted rows.
func crashMidTransaction(t *testing.T, w *sql.DB, src, dir string) string {
	t.Helper()
	execAll(t, w, `PRAGMA cache_size=10`, `BEGIN`, `DELETE FROM t WHERE id % 2 = 0`)
	insertRows(t, w, 1000, 3000)
	for _, sfx := range []string{"", "-journal"} {
		if st, err := os.Stat(src + sfx); err != nil || st.Size() == 0 {
			t.Fatalf("no spilled transaction to copy: %s: %v", src+sfx, err)
		}
	}
	path := testdb.CopyFiles(t, src, dir, "-journal")
	execAll(t, w, `ROLLBACK`)
	if got, err := countWith(path, "mode=ro&immutable=1"); err != nil || got == 299 {
		t.Fatalf("the copy's main file reads %d rows (%v): it holds no uncommitted pages to roll back", got, err)
	}
	if _, err := countWith(path, "mode=ro"); err == nil {
		t.Logf("note: mode=ro now reads a database with a hot journal")
	}
	return path
}

// countWith counts table t's rows with SQLite opened with the URI query q.
func countWith(path, q string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?"+q)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT count(*) FROM t`).Scan(&n)
	return n, err
}
