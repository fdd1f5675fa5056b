package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// rowBlob is the size of each row's blob: one row per 4096-byte leaf page,
// so changing 1% of the rows changes about 1% of the pages.
const rowBlob = 3000

// ensureDB builds a WAL database of about mb megabytes at path, unless one
// of that size is already there. Table t holds rows (id, seq, b): seq is 0
// for the initial rows and the commit number for rows the writer adds, so
// the state as of commit K is exactly the rows with seq <= K.
func ensureDB(ctx context.Context, path string, mb int) error {
	want := int64(mb) << 20
	if st, err := os.Stat(path); err == nil && st.Size() >= want*9/10 {
		return checkpoint(ctx, path)
	}
	for _, sfx := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + sfx)
	}
	start := time.Now()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows := want / 4096
	for _, q := range []string{
		`CREATE TABLE t(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, b BLOB)`,
		`CREATE TABLE counter(n INTEGER)`,
		`INSERT INTO counter VALUES(0)`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		 INSERT INTO t(seq, b) SELECT 0, randomblob(%d) FROM n`, rows, rowBlob),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "built %s (%d rows) in %v\n", path, rows, time.Since(start).Round(time.Second))
	db.Close()
	return checkpoint(ctx, path)
}

// checkpoint folds the WAL into the database file, so that `cp` of the
// file copies the whole database.
func checkpoint(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}
