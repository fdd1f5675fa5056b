package sqlitero

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
	"modernc.org/sqlite/vfs"

	"github.com/dbrescue/dbrescue/internal/sniff"
	"github.com/dbrescue/dbrescue/pagefile"
)

// How is the way SQLite was let read a database; see the package doc.
type How string

// The ways Open can choose.
const (
	Shared    How = "shared"
	ReadOnly  How = "read-only"
	Immutable How = "immutable"
	View      How = "committed view"
)

// Options control Open.
type Options struct {
	// Pragmas are set on every connection, as "busy_timeout(5000)"
	// (modernc.org/sqlite's _pragma DSN parameter).
	Pragmas []string
	// AsIs hands SQLite a file that does not look like a database too,
	// for a caller that wants SQLite's own answer (the demo shows it).
	AsIs bool
	// Cipher, for a SQLCipher database, makes SQLite read it through the
	// view (How is View), decrypted: SQLite cannot read the file itself.
	Cipher *pagefile.Cipher
}

// DB is a database opened for reading. Use it as the *sql.DB it embeds;
// Close it (not the *sql.DB) so that the view is released and what SQLite
// created beside the file is removed.
type DB struct {
	*sql.DB
	// Path is the database's absolute path.
	Path string
	// How says how SQLite reads it.
	How How
	// WAL reports that the database is in WAL mode (its header says so,
	// or a WAL lies beside it, which makes SQLite use it), whatever SQLite
	// was shown: immutable and through the view, SQLite reads it in
	// rollback mode and PRAGMA journal_mode says "delete".
	WAL bool
	// View, when How is View, is the committed state SQLite reads, with
	// the header as the file has it (bytes 18 and 19 untouched).
	View *pagefile.File

	fsys    *vfs.FS
	vfsName string
	before  companions
}

// Open opens the database at path for reading, choosing How as the package
// doc says. The first connection is opened before Open returns, so that an
// unreadable file is reported here.
//
// A file SQLite cannot read at all (a directory, an empty file, one that
// does not start with SQLite's header) fails with a *sniff.NotDatabaseError
// saying what it is, before SQLite sees it (unless opts.AsIs, or an
// opts.Cipher to read it with).
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if !opts.AsIs && opts.Cipher == nil {
		if err := sniff.RequireSQLite(path); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	p, err := decide(abs)
	if err != nil {
		return nil, fmt.Errorf("sqlitero: %s: %w", path, err)
	}
	if opts.Cipher != nil {
		p.how = View
	}
	return open(ctx, path, abs, p, opts)
}

// open opens the database at abs as p says; path is the name the caller
// gave, for messages.
func open(ctx context.Context, path, abs string, p plan, opts Options) (*DB, error) {
	var err error
	d := &DB{Path: abs, How: p.how, WAL: p.wal, before: p.before}
	query := url.Values{}
	switch p.how {
	case View:
		if err := d.openView(opts.Cipher); err != nil {
			return nil, fmt.Errorf("sqlitero: %s: %w", path, err)
		}
		query.Set("vfs", d.vfsName)
	case Immutable:
		query.Set("mode", "ro")
		query.Set("immutable", "1")
	default:
		query.Set("mode", "ro")
	}
	for _, pr := range opts.Pragmas {
		query.Add("_pragma", pr)
	}
	if d.DB, err = sql.Open("sqlite", uri(abs, query)); err != nil {
		return nil, errors.Join(err, d.release())
	}
	if err := d.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlitero: open %s (%s): %w", path, d.How, err), d.Close())
	}
	return d, nil
}

// uri names a database file for SQLite as a URI with the given query, the
// path escaped so that '?', '#' and '%' in file names survive.
func uri(abs string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: strings.ReplaceAll(q.Encode(), "+", "%20")}
	return u.String()
}

// Close closes the connections, then the view, then removes what SQLite
// created beside the database (see cleanup).
func (d *DB) Close() error {
	var err error
	if d.DB != nil {
		err = d.DB.Close()
	}
	return errors.Join(err, d.release(), cleanup(d.Path, d.before))
}

// release closes the view and unregisters its VFS.
func (d *DB) release() error {
	var errs []error
	if d.fsys != nil {
		errs = append(errs, d.fsys.Close())
		d.fsys = nil
	}
	if d.View != nil {
		errs = append(errs, d.View.Close())
		d.View = nil
	}
	return errors.Join(errs...)
}
