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
	pending *batch
	trusted atomic.Bool
}

// batchRows is how many rows go into one transaction.
const batchRows = 50000

// openOutput creates the new database with the original's page size, text
// encoding and auto_vacuum mode, set before anything else is written.
// Durability comes from syncing the finished file before the rename, so
// the load itself runs without syncs.
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
		// A journal in memory, not none: a multi-row INSERT that SQLite
		// refuses must leave no row behind, and statement rollback needs
		// a journal. New pages appended to a fresh file are not journaled.
		"PRAGMA journal_mode = MEMORY",
		"PRAGMA cache_size = -32768", // 32 MiB: the index builds sort less on disk
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
	if err := o.flush(ctx); err != nil {
		return err
	}
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

// batch is rows waiting to be written with one multi-row INSERT: paying
// database/sql's and the statement's overhead once per batch instead of
// once per row is what makes the load fast.
type batch struct {
	key, verb, table string
	cols             []string
	rows             []pendingRow
	max              int
}

type pendingRow struct {
	vals   []any
	reject func() error // called when SQLite refuses this row
}

// maxBatchRows bounds a batch; SQLite allows 32766 parameters a statement.
const maxBatchRows = 64

// insert queues one row for table. cols name the columns vals go to.
// reject, if the row is later refused (a constraint), is called after the
// batch is written, to put the row elsewhere.
func (o *output) insert(ctx context.Context, table string, cols []string, vals []any, replace bool, reject func() error) error {
	verb := "INSERT"
	if replace {
		verb = "INSERT OR REPLACE"
	}
	key := verb + "\x00" + table + "\x00" + strings.Join(cols, "\x00")
	// A flush can queue rows of its own (refused rows going to
	// lost_and_found), so flush until what is pending has this shape.
	for o.pending != nil && o.pending.key != key {
		if err := o.flush(ctx); err != nil {
			return err
		}
	}
	if o.pending == nil {
		o.pending = &batch{key: key, verb: verb, table: table, cols: cols, max: max(1, min(maxBatchRows, 32000/max(1, len(cols))))}
	}
	o.pending.rows = append(o.pending.rows, pendingRow{vals: vals, reject: reject})
	if len(o.pending.rows) >= o.pending.max {
		return o.flush(ctx)
	}
	return nil
}

// flush writes the pending batch. If SQLite refuses it, the rows are
// written one by one and those refused are handed to their reject.
func (o *output) flush(ctx context.Context) error {
	b := o.pending
	if b == nil {
		return nil
	}
	o.pending = nil
	if o.tx == nil {
		o.trusted.Store(true)
		tx, err := o.conn.BeginTx(ctx, nil)
		o.trusted.Store(false)
		if err != nil {
			return err
		}
		o.tx = tx
	}
	args := make([]any, 0, len(b.rows)*len(b.cols))
	for _, r := range b.rows {
		args = append(args, r.vals...)
	}
	if err := o.execBatch(ctx, b, len(b.rows), args); err != nil {
		var rejects []func() error
		for _, r := range b.rows {
			if o.execBatch(ctx, b, 1, r.vals) != nil && r.reject != nil {
				rejects = append(rejects, r.reject)
			}
		}
		for _, rej := range rejects {
			if err := rej(); err != nil {
				return err
			}
		}
	}
	if o.inTx += len(b.rows); o.inTx >= batchRows {
		return o.commit()
	}
	return nil
}

// execBatch runs the INSERT of b for n rows, preparing it once per shape.
func (o *output) execBatch(ctx context.Context, b *batch, n int, args []any) error {
	key := fmt.Sprintf("%s\x00%d", b.key, n)
	stmt := o.stmts[key]
	if stmt == nil {
		quoted := make([]string, len(b.cols))
		for i, c := range b.cols {
			quoted[i] = quoteIdent(c)
			if c == "rowid" {
				quoted[i] = "rowid"
			}
		}
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.cols)), ", ") + ")"
		q := fmt.Sprintf("%s INTO %s(%s) VALUES %s", b.verb, quoteIdent(b.table), strings.Join(quoted, ", "),
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", "))
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
	defer o.trusted.Store(false)
	_, err := stmt.ExecContext(ctx, args...)
	return err
}

// commit writes what is pending and ends the transaction.
func (o *output) commit() error {
	if err := o.flush(context.Background()); err != nil {
		return err
	}
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
