package testdb

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
)

// HotJournal is a rollback-mode database copied in the middle of a write
// transaction, as a crash leaves it: SQLite's cache was too small for the
// transaction, so uncommitted pages were spilled into the main file and
// their original content sits in the hot journal.
type HotJournal struct {
	Committed []byte // the database before the transaction: what a rollback restores
	Main      []byte // the main file mid-transaction: uncommitted pages, grown by appended rows
	Journal   []byte
	PageSize  int
}

// BuildHotJournal builds a rollback-mode database at path (which must not
// exist) with rows rows in table t(id INTEGER PRIMARY KEY, v TEXT, pad
// TEXT), then copies it and its journal in the middle of a transaction
// that updates v in half of them and appends rows/7 more. synchronous is
// the PRAGMA's value: FULL syncs the journal at each cache spill, starting
// a new segment each time; OFF writes one segment whose record count is
// 0xFFFFFFFF. The transaction is rolled back afterwards, so the files at
// path are left committed.
func BuildHotJournal(path, synchronous string, pageSize, rows int) (*HotJournal, error) {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		fmt.Sprintf(`PRAGMA page_size = %d`, pageSize),
		`PRAGMA journal_mode = DELETE`,
		`PRAGMA synchronous = ` + synchronous,
		`CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, pad TEXT)`,
		`CREATE INDEX t_v ON t(v)`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
		 INSERT INTO t SELECT i, 'committed-' || i, printf('%%0200d', i) FROM n`, rows),
	} {
		if _, err := db.Exec(q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	hj := &HotJournal{PageSize: pageSize}
	if hj.Committed, err = os.ReadFile(path); err != nil {
		return nil, err
	}
	// A cache of 10 pages cannot hold the transaction: SQLite syncs the
	// journal and writes uncommitted pages into the main file as it goes.
	if _, err := db.Exec(`PRAGMA cache_size = 10`); err != nil {
		return nil, err
	}
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	// The transaction is never committed: the copies taken below are the
	// crash; rolling it back afterwards only tidies the source.
	defer func() { _ = tx.Rollback() }()
	for _, q := range []string{
		`UPDATE t SET v = 'uncommitted-' || id WHERE id % 2 = 0`,
		fmt.Sprintf(`INSERT INTO t(v, pad) SELECT 'appended', pad FROM t WHERE id <= %d`, rows/7),
	} {
		if _, err := tx.Exec(q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	// Copy while the transaction is open, as a crash would leave the files.
	if hj.Main, err = os.ReadFile(path); err != nil {
		return nil, err
	}
	if hj.Journal, err = os.ReadFile(path + "-journal"); err != nil {
		return nil, err
	}
	if len(hj.Main) <= len(hj.Committed) || bytes.Equal(hj.Main[:len(hj.Committed)], hj.Committed) {
		return nil, fmt.Errorf("the transaction did not both grow the main file and spill into it (%d bytes, was %d): the fixture proves nothing",
			len(hj.Main), len(hj.Committed))
	}
	return hj, nil
}
