package sqlitero

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// listing maps every file in dir to the SHA-256 of its content: what a
// command must leave exactly as it found it.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = hex.EncodeToString(sum[:])
	}
	return out
}

// writer opens path read-write through SQLite, in WAL mode when wal is
// set, with automatic checkpoints off so that commits stay in the WAL.
func writer(t *testing.T, path string, wal bool) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if wal {
		execAll(t, db, `PRAGMA journal_mode=WAL`, `PRAGMA wal_autocheckpoint=0`)
	}
	return db
}

func execAll(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// insertRows adds rows from..to-1 to table t in one transaction.
func insertRows(t *testing.T, db *sql.DB, from, to int) {
	t.Helper()
	execAll(t, db, `CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i+1 FROM n WHERE i < %d)
			INSERT INTO t SELECT i, printf('row %%d %%.200c', i, 'x') FROM n`, from, to-1))
}

// copyFiles copies path and the given companions into dir, as a file
// copy taken while a writer is open (or killed) leaves them.
func copyFiles(t *testing.T, path, dir string, suffixes ...string) string {
	t.Helper()
	dst := filepath.Join(dir, filepath.Base(path))
	for _, sfx := range append([]string{""}, suffixes...) {
		b, err := os.ReadFile(path + sfx)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+sfx, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// rowCount asks SQLite, through db, how many rows table t has.
func rowCount(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// closedDatabase builds dir/app.db with 299 rows in table t and closes it:
// nobody has it open, and in WAL mode the last connection's close has
// checkpointed and deleted -wal and -shm.
func closedDatabase(t *testing.T, dir string, wal bool) string {
	t.Helper()
	path := filepath.Join(dir, "app.db")
	db := writer(t, path, wal)
	insertRows(t, db, 1, 300)
	db.Close()
	return path
}
