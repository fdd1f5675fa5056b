package backup

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/dbrescue/dbrescue/dbpage"
	"github.com/dbrescue/dbrescue/master"
)

// source is one read-only connection on the database being backed up. The
// backup API, the metadata capture and page reads all go through it, so
// that inside one read transaction they all see one snapshot.
type source struct {
	path        string // absolute
	db          *sql.DB
	conn        *sql.Conn
	journalMode string
	inTx        bool
}

func openSource(ctx context.Context, path string) (*source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// busy_timeout covers BEGIN's shared lock in rollback-journal mode;
	// mode=ro because a backup never writes its source.
	// mmap spares the copy a read system call per page.
	db, err := sql.Open("sqlite", fileURI(abs, "mode=ro&_pragma=busy_timeout(5000)&_pragma=mmap_size(2147418112)"))
	if err != nil {
		return nil, err
	}
	s := &source{path: abs, db: db}
	if s.conn, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("backup: open %s: %w", path, err)
	}
	if err := s.conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&s.journalMode); err != nil {
		s.close()
		return nil, fmt.Errorf("backup: open %s: %w", path, err)
	}
	return s, nil
}

func (s *source) wal() bool { return s.journalMode == "wal" }

// begin opens a read transaction and fixes its snapshot with a first read
// (BEGIN alone takes no lock).
func (s *source) begin(ctx context.Context) error {
	if _, err := s.conn.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("backup: begin: %w", err)
	}
	s.inTx = true
	var n int
	if err := s.conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		s.end()
		return fmt.Errorf("backup: first read: %w", err)
	}
	return nil
}

// end closes the read transaction, if one is open.
func (s *source) end() {
	if s.inTx {
		_, _ = s.conn.ExecContext(context.Background(), `ROLLBACK`)
		s.inTx = false
	}
}

func (s *source) close() {
	s.end()
	s.conn.Close()
	s.db.Close()
}

// snapshot is what is captured inside the read transaction besides pages.
type snapshot struct {
	meta  *master.Meta
	page1 []byte // page 1 exactly as the snapshot holds it
}

// capture takes the metadata backup and page 1 of the open transaction's
// snapshot.
func (s *source) capture(ctx context.Context, fp master.Fingerprint) (*snapshot, error) {
	m, err := master.CaptureConn(ctx, s.conn, master.Options{})
	if err != nil {
		return nil, fmt.Errorf("backup: metadata: %w", err)
	}
	m.Fingerprint = fp
	pages, err := dbpage.New(ctx, s.conn)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer pages.Close()
	if pages.PageSize() != m.Header.PageSize || pages.PageCount() != m.Header.PageCount {
		return nil, fmt.Errorf("backup: snapshot is %d pages of %d bytes, metadata says %d of %d",
			pages.PageCount(), pages.PageSize(), m.Header.PageCount, m.Header.PageSize)
	}
	p1 := make([]byte, pages.PageSize())
	if err := pages.ReadPage(1, p1); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return &snapshot{meta: m, page1: p1}, nil
}

// fileURI names a database file for SQLite as a URI with the given query,
// the path made absolute (a relative one would read as a URI authority)
// and escaped, so that '?', '#' and '%' in file names survive.
func fileURI(path, query string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: query}
	return u.String()
}
