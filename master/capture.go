package master

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/dbrescue/dbrescue/dbpage"
	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/sniff"
	"github.com/dbrescue/dbrescue/internal/sqlitero"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Options control a capture.
type Options struct {
	// SchemaOnly skips the page lists: the capture then reads no page
	// beyond page 1 and costs a handful of queries.
	SchemaOnly bool
	// Pages, when set, serves exactly the snapshot that CaptureConn's
	// transaction reads, with the file's own header (such as the
	// committed view sqlitero.Open gives SQLite; see sqlitero.DB.View):
	// page 1 and the page lists are read from it rather than from the
	// files matched against sqlite_dbpage. Capture sets it itself.
	Pages pagefile.Source
	// Cipher decrypts a SQLCipher database (pagefile.OpenCipher): SQLite
	// reads it through sqlitero's decrypting view, and the page lists and
	// CRCs are of the decrypted pages, as a repair reads them.
	Cipher *pagefile.Cipher
}

// Capture takes a metadata backup of the database at dbPath from one
// consistent read snapshot. It opens its own read connection
// (sqlitero.Open), so a writer in another connection or process is never
// blocked in WAL mode (in rollback-journal mode a writer waits for the
// capture's shared lock, as for any reader), and the directory is left as
// it was found: no -wal or -shm is created beside a database nobody else
// has open. The returned Meta's Fingerprint is taken before the snapshot
// starts, so a commit racing the capture can only make the next Unchanged
// check say "changed", never the reverse.
func Capture(ctx context.Context, dbPath string, opts Options) (_ *Meta, err error) {
	// A file that is no database is said to be what it is (package
	// sniff), before the fingerprint reads it; an encrypted one is read
	// through its cipher.
	if opts.Cipher == nil {
		if err := sniff.RequireSQLite(dbPath); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return nil, err
	}
	fp, err := TakeFingerprint(abs)
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	db, err := sqlitero.Open(ctx, abs, sqlitero.Options{Cipher: opts.Cipher})
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("master: %w", cerr)
		}
	}()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("master: open %s: %w", dbPath, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return nil, fmt.Errorf("master: begin: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`) //nolint:errcheck // read-only: nothing to lose
	if db.View != nil {
		opts.Pages = db.View
	}
	m, err := CaptureConn(ctx, conn, opts)
	if err != nil {
		return nil, err
	}
	m.Source, m.Fingerprint = abs, fp
	if opts.Cipher != nil {
		m.CipherSalt = opts.Cipher.Salt()
	}
	return m, nil
}

// CaptureConn takes a metadata backup through conn, which must be inside a
// transaction (BEGIN, or BEGIN followed by reads) on the database's "main"
// schema: everything is read from that transaction's snapshot. The page
// lists are read with the project's own reader, from the database file and
// WAL when they provably equal the snapshot, else through sqlite_dbpage.
// Fingerprint is left empty: only Capture knows when the snapshot started.
func CaptureConn(ctx context.Context, conn *sql.Conn, opts Options) (*Meta, error) {
	// SQLite refuses BEGIN inside a transaction; if it is accepted here,
	// conn was in autocommit mode and each query would see its own snapshot.
	if _, err := conn.ExecContext(ctx, `BEGIN`); err == nil {
		_, _ = conn.ExecContext(ctx, `ROLLBACK`)
		return nil, errNotInTransaction
	}
	// The first read of the transaction fixes its snapshot.
	m := &Meta{CapturedAt: time.Now().UnixNano(), SchemaOnly: opts.SchemaOnly}
	if err := conn.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&m.Source); err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	if m.Source != "" {
		m.Source = filepath.Clean(m.Source) // a VFS may report "//abs/path"
	}
	if err := readHeader(ctx, conn, m); err != nil {
		return nil, err
	}
	snap, err := dbpage.New(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	defer snap.Close()
	if opts.Pages != nil && (opts.Pages.PageSize() != snap.PageSize() || opts.Pages.PageCount() != snap.PageCount()) {
		return nil, fmt.Errorf("master: the pages given are %d of %d bytes, the snapshot has %d of %d",
			opts.Pages.PageCount(), opts.Pages.PageSize(), snap.PageCount(), snap.PageSize())
	}
	page1 := make([]byte, snap.PageSize())
	if err := firstOf(opts.Pages, snap).ReadPage(1, page1); err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	m.Header.ReservedBytes = int(page1[20])
	m.Header.FileChangeCounter = binary.BigEndian.Uint32(page1[24:])
	if page1[18] == 2 || page1[19] == 2 {
		// SQLite reading the file immutable or through a view is shown a
		// rollback-mode file and says "delete"; the database is in WAL
		// mode, as any other connection would report it.
		m.Header.JournalMode = "wal"
	}
	if m.Schema, err = readSchema(ctx, conn); err != nil {
		return nil, err
	}
	if m.Sequences, err = readSequences(ctx, conn, m.Schema); err != nil {
		return nil, err
	}
	if m.Tables, m.Indexes, err = describeSchema(ctx, conn); err != nil {
		return nil, err
	}
	if opts.SchemaOnly {
		return m, nil
	}
	g := pagefile.Geometry{PageSize: m.Header.PageSize, Reserved: m.Header.ReservedBytes}
	src, how, closer, err := pagesFor(opts.Pages, m.Source, g, snap)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	m.PagesReadFrom, m.Counts = how, true
	if m.Trees, err = pageLists(src, g.Usable(), m.Header.TextEncoding, m.Schema); err != nil {
		return nil, err
	}
	if ov, ok := src.(*pagefile.WALOverlay); ok && !walHeaderStill(m.Source+"-wal", ov.WAL().Header) {
		// The WAL was restarted while its frames were read (possible when
		// the snapshot itself uses no frame): read through SQLite instead.
		m.PagesReadFrom = ReadFromDBPage
		if m.Trees, err = pageLists(snap, g.Usable(), m.Header.TextEncoding, m.Schema); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// pagesFor is where the page lists are read: pages when the caller gave
// them, else the files matched against the snapshot (snapshotSource).
func pagesFor(pages pagefile.Source, dbPath string, g pagefile.Geometry, snap pagefile.Source) (pagefile.Source, string, io.Closer, error) {
	if pages == nil {
		return snapshotSource(dbPath, g, snap)
	}
	how := ReadFromFile
	if f, ok := pages.(*pagefile.File); ok && f.WAL != nil {
		how = ReadFromWAL
	}
	return pages, how, io.NopCloser(nil), nil
}

// firstOf returns a unless it is nil, else b.
func firstOf(a, b pagefile.Source) pagefile.Source {
	if a != nil {
		return a
	}
	return b
}

// walHeaderStill reports whether the WAL at path still has header h. A
// writer that restarts the WAL writes new salts into its header before any
// frame, so an unchanged header means no frame read was overwritten.
func walHeaderStill(path string, h pagefile.WALHeader) bool {
	b, err := fsutil.ReadPrefix(path, pagefile.WALHeaderSize)
	if err != nil || len(b) < pagefile.WALHeaderSize {
		return false
	}
	be := binary.BigEndian
	return be.Uint32(b[12:]) == h.CheckpointSeq && be.Uint32(b[16:]) == h.Salt1 && be.Uint32(b[20:]) == h.Salt2
}

// readHeader fills the header fields SQLite reports through pragmas.
func readHeader(ctx context.Context, q queryer, m *Meta) error {
	var enc string
	h := &m.Header
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT page_size FROM pragma_page_size), (SELECT page_count FROM pragma_page_count),
		(SELECT encoding FROM pragma_encoding), (SELECT auto_vacuum FROM pragma_auto_vacuum),
		(SELECT user_version FROM pragma_user_version), (SELECT application_id FROM pragma_application_id),
		(SELECT schema_version FROM pragma_schema_version), (SELECT freelist_count FROM pragma_freelist_count),
		(SELECT journal_mode FROM pragma_journal_mode), sqlite_version()`).Scan(
		&h.PageSize, &h.PageCount, &enc, &h.AutoVacuum, &h.UserVersion, &h.ApplicationID,
		&h.SchemaCookie, &h.FreelistCount, &h.JournalMode, &m.SQLiteVersion)
	if err != nil {
		return fmt.Errorf("master: header pragmas: %w", err)
	}
	switch enc {
	case "UTF-8":
		h.TextEncoding = pagefile.EncodingUTF8
	case "UTF-16le":
		h.TextEncoding = pagefile.EncodingUTF16LE
	case "UTF-16be":
		h.TextEncoding = pagefile.EncodingUTF16BE
	default:
		return fmt.Errorf("master: unknown text encoding %q", enc)
	}
	return nil
}

func readSchema(ctx context.Context, q queryer) ([]SchemaRow, error) {
	var out []SchemaRow
	err := eachRow(ctx, q, `SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid`, func(rows *sql.Rows) error {
		var r SchemaRow
		var root sql.NullInt64
		var text sql.NullString
		if err := rows.Scan(&r.Type, &r.Name, &r.TblName, &root, &text); err != nil {
			return err
		}
		if root.Int64 < 0 || root.Int64 > 1<<32-2 {
			return fmt.Errorf("sqlite_master row %q has rootpage %d", r.Name, root.Int64)
		}
		r.RootPage, r.SQL = uint32(root.Int64), text.String
		out = append(out, r)
		return nil
	})
	return out, err
}

func readSequences(ctx context.Context, q queryer, schema []SchemaRow) ([]Sequence, error) {
	found := false
	for _, r := range schema {
		found = found || (r.Type == "table" && r.Name == "sqlite_sequence")
	}
	if !found {
		return nil, nil
	}
	var out []Sequence
	err := eachRow(ctx, q, `SELECT name, seq FROM sqlite_sequence ORDER BY rowid`, func(rows *sql.Rows) error {
		var s Sequence
		var name sql.NullString
		var seq sql.NullInt64
		if err := rows.Scan(&name, &seq); err != nil {
			return err
		}
		s.Name, s.Seq = name.String, seq.Int64
		out = append(out, s)
		return nil
	})
	return out, err
}

// errNotInTransaction is returned when CaptureConn's conn has no open
// transaction, so its reads could come from different snapshots.
var errNotInTransaction = errors.New("master: CaptureConn needs a connection inside a transaction")
