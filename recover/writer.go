package recover

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/dbrescue/dbrescue/pagefile"
)

// output is the new database being written.
type output struct {
	db      *sql.DB
	conn    *sql.Conn
	tx      *sql.Tx
	inTx    int
	stmts   map[string]*sql.Stmt
	trusted atomic.Bool
}

// batchRows is how many rows go into one transaction.
const batchRows = 50000

// openOutput creates the new database with the original's page size, text
// encoding and auto_vacuum mode, set before anything else is written.
// Durability comes from syncing the finished file before the rename, so
// the load itself runs without a journal.
func openOutput(ctx context.Context, path string, pageSize int, encoding, autoVacuum uint32) (*output, error) {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	o := &output{db: db, conn: conn, stmts: map[string]*sql.Stmt{}}
	if err := installDDLAuthorizer(conn, &o.trusted); err != nil {
		o.close()
		return nil, err
	}
	enc := map[uint32]string{pagefile.EncodingUTF16LE: "UTF-16le", pagefile.EncodingUTF16BE: "UTF-16be"}[encoding]
	if enc == "" {
		enc = "UTF-8"
	}
	for _, q := range []string{
		fmt.Sprintf("PRAGMA page_size = %d", pageSize),
		fmt.Sprintf("PRAGMA encoding = '%s'", enc),
		fmt.Sprintf("PRAGMA auto_vacuum = %d", min(autoVacuum, 2)),
		"PRAGMA journal_mode = OFF",
		"PRAGMA synchronous = OFF",
		"PRAGMA ignore_check_constraints = ON", // recovered rows were valid once; keep them
		"PRAGMA foreign_keys = OFF",
	} {
		if err := o.trustedExec(ctx, q); err != nil {
			o.close()
			return nil, fmt.Errorf("recover: %s: %w", q, err)
		}
	}
	return o, nil
}

func (o *output) trustedExec(ctx context.Context, q string, args ...any) error {
	o.trusted.Store(true)
	defer o.trusted.Store(false)
	_, err := o.conn.ExecContext(ctx, q, args...)
	return err
}

// create runs an accepted CREATE statement. The authorizer stays on: the
// text was accepted in the sandbox, and is held to the same rules here.
func (o *output) create(ctx context.Context, sqlText string) error {
	if err := o.commit(); err != nil {
		return err
	}
	_, err := o.conn.ExecContext(ctx, sqlText)
	return err
}

// insert writes one row of t. cols are the column names the values go to.
func (o *output) insert(ctx context.Context, tableName string, cols []string, vals []any, replace bool) error {
	verb := "INSERT"
	if replace {
		verb = "INSERT OR REPLACE"
	}
	key := verb + "\x00" + tableName + "\x00" + strings.Join(cols, "\x00")
	stmt := o.stmts[key]
	if stmt == nil || o.tx == nil {
		if o.tx == nil {
			o.trusted.Store(true)
			tx, err := o.conn.BeginTx(ctx, nil)
			o.trusted.Store(false)
			if err != nil {
				return err
			}
			o.tx = tx
			clear(o.stmts)
		}
		quoted := make([]string, len(cols))
		marks := make([]string, len(cols))
		for i, c := range cols {
			quoted[i], marks[i] = quoteIdent(c), "?"
			if c == "rowid" {
				quoted[i] = "rowid"
			}
		}
		q := fmt.Sprintf("%s INTO %s(%s) VALUES(%s)", verb, quoteIdent(tableName), strings.Join(quoted, ", "), strings.Join(marks, ", "))
		o.trusted.Store(true)
		s, err := o.tx.PrepareContext(ctx, q)
		o.trusted.Store(false)
		if err != nil {
			return err
		}
		o.stmts[key] = s
		stmt = s
	}
	o.trusted.Store(true)
	_, err := stmt.ExecContext(ctx, vals...)
	o.trusted.Store(false)
	if err != nil {
		return err
	}
	if o.inTx++; o.inTx >= batchRows {
		return o.commit()
	}
	return nil
}

// commit ends the current batch.
func (o *output) commit() error {
	if o.tx == nil {
		return nil
	}
	for _, s := range o.stmts {
		s.Close()
	}
	clear(o.stmts)
	o.trusted.Store(true)
	err := o.tx.Commit()
	o.trusted.Store(false)
	o.tx, o.inTx = nil, 0
	return err
}

func (o *output) close() {
	_ = o.commit()
	o.conn.Close()
	o.db.Close()
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
