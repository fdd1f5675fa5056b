package recover

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/internal/sqliteconn"
	"github.com/dbrescue/dbrescue/master"
)

// sandbox is a scratch in-memory database where SQL found in a damaged file
// or a metadata backup is tried before it runs anywhere else. SQLite itself
// decides what the text is: it must execute there, under an authorizer that
// refuses everything but creating tables, indexes, views and triggers, and
// leave behind exactly the one object it claims to create, whose stored
// text (SQLite keeps the text of the single statement it parsed) equals the
// whole input. Several statements, ATTACH, PRAGMA, DROP, a CREATE of
// another object or kind: each is rejected. The accepted objects stay in
// the sandbox, so an index or trigger is checked against its real table,
// and SQLite's own description of each table is read back from there.
type sandbox struct {
	db      *sql.DB
	conn    *sql.Conn
	trusted atomic.Bool // set while the sandbox runs its own statements
	vtab    vtabGrant
	columns int // the columns of the table the last try created
}

func newSandbox(ctx context.Context, drv *sqlite.Driver) (*sandbox, error) {
	s := &sandbox{}
	db, conn, err := openGuarded(ctx, drv, "file::memory:", &s.trusted, &s.vtab)
	if err != nil {
		return nil, err
	}
	s.db, s.conn = db, conn
	return s, nil
}

// openGuarded opens a database with drv (which registers the repair's
// stand-in collations) on a single connection with the DDL authorizer
// installed; statements run while trusted is set bypass it.
func openGuarded(ctx context.Context, drv *sqlite.Driver, dsn string, trusted *atomic.Bool, vtab *vtabGrant) (*sql.DB, *sql.Conn, error) {
	db := sqliteconn.Open(drv, dsn)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		err = installDDLAuthorizer(conn, trusted, vtab)
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}

func (s *sandbox) close() {
	s.conn.Close()
	s.db.Close()
}

// trustedExec runs the sandbox's own statements.
func (s *sandbox) trustedExec(ctx context.Context, q string) error {
	s.trusted.Store(true)
	defer s.trusted.Store(false)
	_, err := s.conn.ExecContext(ctx, q)
	return err
}

// exists reports whether an object of that name is in the sandbox.
func (s *sandbox) exists(ctx context.Context, name string) bool {
	s.trusted.Store(true)
	defer s.trusted.Store(false)
	var n int
	err := s.conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = ? COLLATE NOCASE`, name).Scan(&n)
	return err == nil && n > 0
}

// describeTables returns SQLite's description of every table and index
// accepted so far (columns, rowid alias, record order; an index's columns
// and whether it is partial), read with the same code that takes metadata
// backups.
func (s *sandbox) describeTables(ctx context.Context) ([]master.Table, []master.Index, error) {
	s.trusted.Store(true)
	defer s.trusted.Store(false)
	if _, err := s.conn.ExecContext(ctx, `BEGIN`); err != nil {
		return nil, nil, err
	}
	defer s.conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`) //nolint:errcheck // read only
	m, err := master.CaptureConn(ctx, s.conn, master.Options{SchemaOnly: true})
	if err != nil {
		return nil, nil, err
	}
	return m.Tables, m.Indexes, nil
}

// rejectedSQL explains why a CREATE statement was not accepted.
type rejectedSQL struct {
	Type, Name string
	Reason     string
}

func (e *rejectedSQL) Error() string {
	return fmt.Sprintf("%s %q: SQL rejected: %s", e.Type, e.Name, e.Reason)
}

// accept tries one untrusted CREATE statement claimed to define object
// name of kind typ ("table", "index", "view", "trigger") and returns the
// text SQLite stored for it, which is the text to run for real.
func (s *sandbox) accept(ctx context.Context, typ, name, text string) (string, error) {
	stored, _, err := s.try(ctx, typ, name, text, true)
	return stored, err
}

// try is accept, keeping the object only when keep is set; it also
// returns how many columns a table has.
func (s *sandbox) try(ctx context.Context, typ, name, text string, keep bool) (string, int, error) {
	stored, err := s.tryKeep(ctx, typ, name, text, keep)
	return stored, s.columns, err
}

func (s *sandbox) tryKeep(ctx context.Context, typ, name, text string, keepIt bool) (string, error) {
	s.columns = 0
	reject := func(format string, args ...any) (string, error) {
		return "", &rejectedSQL{Type: typ, Name: name, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(text) == "" {
		return reject("empty")
	}
	if err := s.trustedExec(ctx, "SAVEPOINT candidate"); err != nil {
		return "", err
	}
	keep := false
	defer func() {
		if keep {
			_ = s.trustedExec(ctx, "RELEASE candidate")
		} else {
			_ = s.trustedExec(ctx, "ROLLBACK TO candidate")
			_ = s.trustedExec(ctx, "RELEASE candidate")
		}
	}()
	var before int
	if err := s.countObjects(ctx, &before); err != nil {
		return "", err
	}
	_, err := s.conn.ExecContext(ctx, text)
	s.vtab.end()
	if err != nil {
		return reject("SQLite refused it: %v", err)
	}
	var after int
	if err := s.countObjects(ctx, &after); err != nil {
		return "", err
	}
	var stored sql.NullString
	var gotType string
	s.trusted.Store(true)
	err = s.conn.QueryRowContext(ctx, `SELECT type, sql FROM sqlite_master WHERE name = ?`, name).Scan(&gotType, &stored)
	s.trusted.Store(false)
	switch {
	case err == sql.ErrNoRows:
		return reject("it does not create %s %q", typ, name)
	case err != nil:
		return "", err
	case gotType != typ:
		return reject("it creates a %s, not a %s", gotType, typ)
	case !sameStatement(stored.String, text):
		return reject("it is not one single CREATE statement")
	case after-before != 1 && (typ != "table" || after <= before):
		return reject("it creates %d objects", after-before)
	}
	if typ == "table" {
		s.trusted.Store(true)
		_ = s.conn.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_xinfo(?)`, name).Scan(&s.columns)
		s.trusted.Store(false)
	}
	keep = keepIt
	return stored.String, nil
}

// countObjects counts sqlite_master rows other than automatic indexes,
// which a CREATE TABLE adds for its UNIQUE and PRIMARY KEY constraints.
func (s *sandbox) countObjects(ctx context.Context, n *int) error {
	s.trusted.Store(true)
	defer s.trusted.Store(false)
	return s.conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\_autoindex\_%' ESCAPE '\'`).Scan(n)
}

// sameStatement reports whether the text SQLite stored for a new object is
// the whole input. SQLite rebuilds a statement's head ("CREATE TABLE ",
// "CREATE UNIQUE INDEX ", ...) and copies the rest from the object's name
// to the end of the one statement it parsed, without the semicolon. So the
// input must end with that copied tail, and what comes before it may only
// be the head's keywords (any case, with TEMP or IF NOT EXISTS): a further
// statement after, or anything before, makes them differ.
func sameStatement(stored, input string) bool {
	in := strings.TrimSpace(input)
	for strings.HasSuffix(in, ";") {
		in = strings.TrimSpace(strings.TrimSuffix(in, ";"))
	}
	tail, ok := storedTail(stored)
	if !ok || !strings.HasSuffix(in, tail) {
		return false
	}
	words := strings.Fields(strings.ToUpper(in[:len(in)-len(tail)]))
	if len(words) < 2 || words[0] != "CREATE" {
		return false
	}
	for _, w := range words[1:] {
		switch w {
		case "TEMP", "TEMPORARY", "UNIQUE", "VIRTUAL", "TABLE", "INDEX", "VIEW", "TRIGGER", "IF", "NOT", "EXISTS":
		default:
			return false
		}
	}
	return true
}

// storedTail strips the head SQLite wrote in front of a stored statement.
func storedTail(stored string) (string, bool) {
	for _, head := range []string{"CREATE TABLE ", "CREATE VIRTUAL TABLE ", "CREATE UNIQUE INDEX ", "CREATE INDEX ", "CREATE VIEW ", "CREATE TRIGGER "} {
		if strings.HasPrefix(stored, head) {
			return strings.TrimSpace(stored[len(head):]), true
		}
	}
	return "", false
}
