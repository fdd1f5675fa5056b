//go:build long

package recover_test

import (
	"bytes"
	"database/sql"
	"testing"

	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/recover"
)

// TestBulkMatchesInsertPastOneGiB repairs a database of more than 1 GiB
// (run with -tags long) through INSERT and with the builder: both outputs
// step over the lock-byte page and must hold the same rows. Rows are
// compared value by value, streamed (a row per MB of blob).
func TestBulkMatchesInsertPastOneGiB(t *testing.T) {
	dir := t.TempDir()
	in := newDB(t, dir, "big.db",
		`PRAGMA journal_mode = OFF`,
		`CREATE TABLE blobs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, data BLOB)`,
		`CREATE INDEX blobs_kind ON blobs(kind)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
		 INSERT INTO blobs(id, kind, data) SELECT i, 'kind-' || (i % 13), randomblob(1048576 + i) FROM n`,
	)
	insert, bulk, io, bo := repairBoth(t, in, recover.Options{})
	if tableReport(t, bulk, "blobs").Path != recover.PathBulk {
		t.Fatalf("blobs took the %s path", tableReport(t, bulk, "blobs").Path)
	}
	if insert.Integrity != "ok" || bulk.Integrity != "ok" {
		t.Fatalf("integrity_check: %s through INSERT, %s with the builder", insert.Integrity, bulk.Integrity)
	}
	for _, out := range []string{io, bo} {
		f, err := pagefile.Open(out, pagefile.Options{NoWAL: true, NoJournal: true})
		if err != nil {
			t.Fatal(err)
		}
		if n, lock := f.Header.DatabaseSize, pagefile.LockBytePage(f.Geometry.PageSize); n <= lock {
			t.Errorf("%s has %d pages, not past the lock-byte page %d", out, n, lock)
		}
		f.Close()
	}
	a, b := openDB(t, io), openDB(t, bo)
	ra := scanBlobs(t, a)
	rb := scanBlobs(t, b)
	defer ra.Close()
	defer rb.Close()
	n := 0
	for ra.Next() {
		if !rb.Next() {
			t.Fatalf("the bulk output ends after %d rows", n)
		}
		var ida, idb int64
		var ka, kb string
		var da, db []byte
		if err := ra.Scan(&ida, &ka, &da); err != nil {
			t.Fatal(err)
		}
		if err := rb.Scan(&idb, &kb, &db); err != nil {
			t.Fatal(err)
		}
		if ida != idb || ka != kb || !bytes.Equal(da, db) {
			t.Fatalf("row %d differs: %d %q %d bytes through INSERT, %d %q %d bytes with the builder", n, ida, ka, len(da), idb, kb, len(db))
		}
		n++
	}
	if rb.Next() || n != 1100 {
		t.Errorf("%d rows compared, want 1100 in both", n)
	}
	sameQuery(t, io, bo, `SELECT kind, count(*) FROM blobs INDEXED BY blobs_kind GROUP BY kind`)
}

func scanBlobs(t *testing.T, db *sql.DB) *sql.Rows {
	t.Helper()
	rs, err := db.Query(`SELECT id, kind, data FROM blobs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
