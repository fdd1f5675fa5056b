package recover

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/internal/sqlident"
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
	vtab    vtabGrant
	// divert, when set, is offered every row first: the bulk builder
	// keeps the rows of the tables it writes itself (see bulk.go).
	divert func(ctx context.Context, table string, cols []string, vals []any, replace bool, reject func() error) (bool, error)

	// SQLite executes the batches on a writer goroutine while the repair
	// walks and decodes the next ones: the load runs on two cores, as
	// a reader process piped into a writer process would. The writer
	// owns conn and tx while jobs are queued; everyone else touches them
	// only after sync, when it is idle.
	jobs    chan job
	stopped chan struct{}
	mu      sync.Mutex
	refused []func() error // rejects of rows SQLite refused, run by sync
	werr    error          // the writer's first error
}

// job is a batch for the writer goroutine, or a barrier it closes once
// everything queued before it is done.
type job struct {
	b       *batch
	args    []any
	barrier chan struct{}
}

// batchRows is how many rows go into one transaction.
const batchRows = 50000

// openOutput creates the new database with the original's page size, text
// encoding and auto_vacuum mode, set before anything else is written.
// Durability comes from syncing the finished file before the rename, so
// the load itself runs without syncs.
func openOutput(ctx context.Context, drv *sqlite.Driver, path string, pageSize int, encoding, autoVacuum uint32) (*output, error) {
	o := &output{stmts: map[string]*sql.Stmt{}, jobs: make(chan job, 4), stopped: make(chan struct{})}
	db, conn, err := openGuarded(ctx, drv, "file:"+uriPath(path), &o.trusted, &o.vtab)
	if err != nil {
		return nil, err
	}
	o.db, o.conn = db, conn
	go o.writer(context.WithoutCancel(ctx))
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
	if err := o.sync(); err != nil {
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
	o.vtab.end()
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
	if o.divert != nil {
		if kept, err := o.divert(ctx, table, cols, vals, replace, reject); kept || err != nil {
			return err
		}
	}
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

// flush hands the pending batch to the writer goroutine.
func (o *output) flush(_ context.Context) error {
	b := o.pending
	if b == nil {
		return o.writerErr()
	}
	o.pending = nil
	args := make([]any, 0, len(b.rows)*len(b.cols))
	for _, r := range b.rows {
		args = append(args, r.vals...)
	}
	o.jobs <- job{b: b, args: args}
	return o.writerErr()
}

// writer executes queued batches in order. A batch SQLite refuses is
// replayed row by row; the refused rows' rejects are kept for sync, which
// runs them on the caller's goroutine.
func (o *output) writer(ctx context.Context) {
	defer close(o.stopped)
	for j := range o.jobs {
		if j.barrier != nil {
			close(j.barrier)
			continue
		}
		if o.writerErr() != nil {
			continue
		}
		if err := o.write(ctx, j); err != nil {
			o.mu.Lock()
			o.werr = err
			o.mu.Unlock()
		}
	}
}

func (o *output) write(ctx context.Context, j job) error {
	b := j.b
	if o.tx == nil {
		o.trusted.Store(true)
		tx, err := o.conn.BeginTx(ctx, nil)
		o.trusted.Store(false)
		if err != nil {
			return err
		}
		o.tx = tx
	}
	if err := o.execBatch(ctx, b, len(b.rows), j.args); err != nil {
		for _, r := range b.rows {
			if o.execBatch(ctx, b, 1, r.vals) != nil && r.reject != nil {
				o.mu.Lock()
				o.refused = append(o.refused, r.reject)
				o.mu.Unlock()
			}
		}
	}
	if o.inTx += len(b.rows); o.inTx >= batchRows {
		return o.commitTx()
	}
	return nil
}

func (o *output) writerErr() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.werr
}

// sync waits until the writer has executed everything queued, then runs
// the rejects of refused rows (which may queue rows of their own, so it
// repeats until none is left). Afterwards the writer is idle.
func (o *output) sync() error {
	for {
		if err := o.flush(context.Background()); err != nil {
			return err
		}
		barrier := make(chan struct{})
		o.jobs <- job{barrier: barrier}
		<-barrier
		if err := o.writerErr(); err != nil {
			return err
		}
		o.mu.Lock()
		refused := o.refused
		o.refused = nil
		o.mu.Unlock()
		if len(refused) == 0 && o.pending == nil {
			return nil
		}
		for _, rej := range refused {
			if err := rej(); err != nil {
				return err
			}
		}
	}
}

// execBatch runs the INSERT of b for n rows, preparing it once per shape.
func (o *output) execBatch(ctx context.Context, b *batch, n int, args []any) error {
	key := fmt.Sprintf("%s\x00%d", b.key, n)
	stmt := o.stmts[key]
	if stmt == nil {
		quoted := make([]string, len(b.cols))
		for i, c := range b.cols {
			quoted[i] = sqlident.Quote(c)
			if c == "rowid" {
				quoted[i] = "rowid"
			}
		}
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.cols)), ", ") + ")"
		q := fmt.Sprintf("%s INTO %s(%s) VALUES %s", b.verb, sqlident.Quote(b.table), strings.Join(quoted, ", "),
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
	if err := o.sync(); err != nil {
		return err
	}
	return o.commitTx()
}

// commitTx ends the transaction; only the writer goroutine, or anyone
// after sync, may call it.
func (o *output) commitTx() error {
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
	close(o.jobs)
	<-o.stopped
	o.conn.Close()
	o.db.Close()
}
