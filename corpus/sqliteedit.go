package corpus

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// pagesAfterSQL runs stmts with SQLite on a scratch copy of the input,
// inside a transaction, reads the images of pages through sqlite_dbpage
// before the transaction ends, and rolls it back. The images are what
// SQLite itself would have written for those pages had it committed, before
// any auto_vacuum shuffling that a commit would add: the realistic "other
// version" of a page that torn-write and schema-row-deleted splice into the
// output. The input itself is never opened by SQLite.
func (o *op) pagesAfterSQL(stmts []string, pages []uint32) (map[uint32][]byte, error) {
	dir, err := os.MkdirTemp("", "dbrescue-corpus-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "scratch.db")
	if err := os.WriteFile(path, o.im.orig, 0o600); err != nil {
		return nil, err
	}
	if o.im.origWAL != nil {
		if err := os.WriteFile(path+"-wal", o.im.origWAL, 0o600); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return readPagesInTx(o.ctx, db, stmts, pages)
}

func readPagesInTx(ctx context.Context, db *sql.DB, stmts []string, pages []uint32) (map[uint32][]byte, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%.60s: %w", q, err)
		}
	}
	out := make(map[uint32][]byte, len(pages))
	for _, pg := range pages {
		var data []byte
		if err := tx.QueryRowContext(ctx, `SELECT data FROM sqlite_dbpage('main') WHERE pgno = ?`, pg).Scan(&data); err != nil {
			return nil, fmt.Errorf("reading page %d through sqlite_dbpage: %w", pg, err)
		}
		out[pg] = data
	}
	return out, nil
}

// quoteString quotes a SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
