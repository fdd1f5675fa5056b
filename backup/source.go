package backup

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"github.com/dbrescue/dbrescue/dbpage"
	"github.com/dbrescue/dbrescue/internal/sqlitero"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// source is one read-only connection on the database being backed up. The
// backup API, the metadata capture and page reads all go through it, so
// that inside one read transaction they all see one snapshot.
type source struct {
	path        string // absolute
	db          *sqlitero.DB
	conn        *sql.Conn
	journalMode string
	inTx        bool
}

// openSource opens the database with sqlitero.Open, which never lets
// SQLite create a -wal or -shm beside a database nobody else has open.
func openSource(ctx context.Context, path string) (*source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// busy_timeout covers BEGIN's shared lock in rollback-journal mode;
	// mmap spares the copy a read system call per page.
	db, err := sqlitero.Open(ctx, path, sqlitero.Options{Pragmas: []string{"busy_timeout(5000)", "mmap_size(2147418112)"}})
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
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
	if db.WAL {
		// Immutable or through the view SQLite is shown a rollback-mode
		// file; nobody writes it then, and the WAL-mode copy (one read
		// transaction, pages from the files) is the faithful one.
		s.journalMode = "wal"
	}
	return s, nil
}

// view is the committed view SQLite reads (see sqlitero), or nil. It
// serves the file's own page 1, which SQLite is shown altered.
func (s *source) view() pagefile.Source {
	if s.db.View == nil {
		return nil
	}
	return s.db.View
}

// snapshotPages is where the open transaction's pages are read fast: the
// view when SQLite reads one, else the database file and WAL once they are
// proven equal to what SQLite serves (master.SnapshotSource).
func (s *source) snapshotPages(g pagefile.Geometry, sq pagefile.Source) (pagefile.Source, string, io.Closer, error) {
	if v := s.db.View; v != nil {
		if v.WAL != nil {
			return v.Source, master.ReadFromWAL, io.NopCloser(nil), nil
		}
		return v.Source, master.ReadFromFile, io.NopCloser(nil), nil
	}
	return master.SnapshotSource(s.path, g, sq)
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
	m, err := master.CaptureConn(ctx, s.conn, master.Options{Pages: s.view()})
	if err != nil {
		return nil, fmt.Errorf("backup: metadata: %w", err)
	}
	m.Source, m.Fingerprint = s.path, fp
	sq, err := dbpage.New(ctx, s.conn)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer sq.Close()
	var pages pagefile.Source = sq
	if v := s.view(); v != nil {
		pages = v // page 1 as the file has it: the copy gets it
	}
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
