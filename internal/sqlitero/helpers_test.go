package sqlitero

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

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

// rowCount asks SQLite, through db, how many rows table t has.
func rowCount(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
