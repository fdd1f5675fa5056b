// Package dbpage serves the pages of a live SQLite database, as SQLite
// itself sees them, through the pagefile.Source interface: it reads SQLite's
// sqlite_dbpage virtual table on a connection the caller holds inside a read
// transaction, so every page comes from that one snapshot, WAL frames
// included, while other connections keep committing.
//
// It lets the project's own b-tree reader run on exactly the snapshot a
// metadata capture or backup reads through SQLite. It uses database/sql
// only; the connection must come from a driver whose SQLite has the
// sqlite_dbpage table compiled in (modernc.org/sqlite does).
package dbpage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbrescue/dbrescue/pagefile"
)

// Source serves the pages of the "main" schema of conn. The caller must
// keep conn inside a read transaction (BEGIN, then any read) for as long as
// it uses the source, and call Close before ending the transaction; outside
// one, each page may come from a different commit.
type Source struct {
	pagefile.SourceFunc
	stmt *sql.Stmt
}

// New prepares a source over conn. The page size and page count are those
// of the snapshot conn's transaction sees.
func New(ctx context.Context, conn *sql.Conn) (*Source, error) {
	var pageSize int
	var pageCount int64
	if err := conn.QueryRowContext(ctx, `PRAGMA main.page_size`).Scan(&pageSize); err != nil {
		return nil, fmt.Errorf("dbpage: page size: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA main.page_count`).Scan(&pageCount); err != nil {
		return nil, fmt.Errorf("dbpage: page count: %w", err)
	}
	if !pagefile.ValidPageSize(pageSize) || pageCount < 0 || pageCount > 1<<32-2 {
		return nil, fmt.Errorf("dbpage: implausible page size %d or count %d", pageSize, pageCount)
	}
	stmt, err := conn.PrepareContext(ctx, `SELECT data FROM sqlite_dbpage('main') WHERE pgno = ?`)
	if err != nil {
		return nil, fmt.Errorf("dbpage: sqlite_dbpage unavailable: %w", err)
	}
	s := &Source{stmt: stmt}
	s.SourceFunc = pagefile.SourceFunc{Size: pageSize, Count: uint32(pageCount), Read: func(pgno uint32, dst []byte) error {
		var data []byte
		if err := stmt.QueryRowContext(ctx, pgno).Scan(&data); err != nil {
			return fmt.Errorf("dbpage: page %d: %w", pgno, err)
		}
		if len(data) != len(dst) {
			return fmt.Errorf("dbpage: page %d is %d bytes, page size is %d", pgno, len(data), len(dst))
		}
		copy(dst, data)
		return nil
	}}
	return s, nil
}

// Close releases the prepared statement.
func (s *Source) Close() error { return s.stmt.Close() }
