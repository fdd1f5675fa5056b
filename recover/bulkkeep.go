package recover

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/dbrescue/dbrescue/bulk"
)

// bulkKeep is the output's divert: it keeps the row when the builder
// writes its table. An odd row goes on to SQLite (kept false) with its
// reject wrapped so that the builder learns SQLite's verdict.
func (r *repairer) bulkKeep(ctx context.Context, table string, cols []string, vals []any, replace bool, reject func() error) (bool, error) {
	bt := r.bulk.tables[table]
	if bt == nil {
		lt := r.lostByName(table)
		if lt == nil {
			return false, nil
		}
		var err error
		if bt, err = r.bulkLost(ctx, lt); err != nil || bt == nil {
			return false, err
		}
	}
	if bt.path != PathBulk {
		return false, nil
	}
	if bt.lost != nil {
		return bt.keepLost(ctx, r, vals)
	}
	sh, width := bt.shapeOf(cols)
	if sh == nil {
		return false, r.bulkAbandon(ctx, bt, "a row came in a shape the builder does not know")
	}
	if replace {
		// A copy replaces one kept before: its index entries are stale,
		// so they are made from the rows that win, at the end.
		if err := bt.lateIndexes(r.bulk.entries); err != nil {
			return false, err
		}
	}
	rowid, rec := bt.record(sh, width, vals)
	bt.seq++
	item, ok := bt.encode(rowid, rec, r.bulk.enc)
	if ok {
		bt.item = item
		if err := bt.sorter.Add(item); err != nil {
			return true, err
		}
		return true, bt.earlyEntries(r.bulk.entries, item)
	}
	if err := bt.lateIndexes(r.bulk.entries); err != nil {
		return false, err
	}
	if bt.withoutRowid {
		return false, r.bulkAbandon(ctx, bt, "a row SQLite would change or refuse: its key may change under affinity")
	}
	// An odd row: SQLite inserts it now, into the table it holds, and
	// the builder keeps a marker that is told if SQLite refused it.
	seq := bt.seq
	bt.item = appendRowItemHead(bt.item[:0], rowid, seq, itemMarker)
	bt.markers++
	if err := bt.sorter.Add(bt.item); err != nil {
		return false, err
	}
	wrapped := func() error {
		bt.refuse(seq)
		if reject != nil {
			return reject()
		}
		return nil
	}
	return true, r.out.insertSQL(ctx, table, cols, vals, replace, wrapped)
}

// shapeOf finds the row shape (t.shapeFor's, by record width) whose
// columns the INSERT path passed: place.go hands over the shape's own
// column slice.
func (bt *bulkTable) shapeOf(cols []string) (*rowShape, int) {
	same := func(a, b []string) bool { return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0] }
	if same(bt.lastCols, cols) {
		return bt.lastShape, bt.lastWidth
	}
	for w, sh := range bt.t.shapes {
		if sh.ok && same(sh.cols, cols) {
			bt.lastCols, bt.lastShape, bt.lastWidth = cols, sh, w
			return sh, w
		}
	}
	return nil, 0
}

// record lays the INSERT path's values out as the record SQLite would
// store: the INTEGER PRIMARY KEY slot NULL, the rowid apart.
func (bt *bulkTable) record(sh *rowShape, width int, vals []any) (int64, []any) {
	rec := bt.rec[:0]
	for range width {
		rec = append(rec, nil)
	}
	var rowid int64
	for j, f := range sh.from {
		if f < 0 {
			rowid, _ = vals[j].(int64)
		} else {
			rec[f] = vals[j]
		}
	}
	bt.rec = rec
	return rowid, rec
}

// encode makes the item for a row when SQLite would store its values
// unchanged; ok is false for an odd row.
func (bt *bulkTable) encode(rowid int64, rec []any, enc uint32) ([]byte, bool) {
	if len(bt.rules) != len(bt.t.info.RecordOrder) {
		// Columns were added (extend): rules for the new width.
		bt.rules, bt.shortOK = recordRules(&bt.t.info)
	}
	if len(rec) > len(bt.rules) || !bt.shortOK[len(rec)] {
		return nil, false
	}
	for i, v := range rec {
		if bt.rules[i].alias {
			continue // NULL, as the record stores it
		}
		nv, ok := normalize(v)
		if !ok || !bt.rules[i].accepts(nv) {
			return nil, false
		}
		rec[i] = nv
	}
	var item []byte
	if bt.withoutRowid {
		item = append(binary.BigEndian.AppendUint64(bt.item[:0], ^bt.seq), itemRow)
	} else {
		item = appendRowItemHead(bt.item[:0], rowid, bt.seq, itemRow)
	}
	head := len(item)
	item, err := appendRecord(item, rec, enc)
	if err != nil || len(item)-head > maxSQLiteLength {
		return nil, false
	}
	return item, true
}

// maxSQLiteLength is SQLite's default SQLITE_MAX_LENGTH: a longer value or
// record makes its INSERT fail.
const maxSQLiteLength = 1_000_000_000

func (bt *bulkTable) refuse(seq uint64) {
	for uint64(len(bt.refused))*64 <= seq {
		bt.refused = append(bt.refused, 0)
	}
	bt.refused[seq/64] |= 1 << (seq % 64)
}

func (bt *bulkTable) refusedSeq(seq uint64) bool {
	return seq/64 < uint64(len(bt.refused)) && bt.refused[seq/64]&(1<<(seq%64)) != 0
}

func rowidItemCompare(a, b []byte) int { return bytes.Compare(a[:16], b[:16]) }

// rowidItemPrefix is the whole key of a rowid item: rowid, then sequence.
func rowidItemPrefix(item []byte) (uint64, uint64) {
	return binary.BigEndian.Uint64(item), binary.BigEndian.Uint64(item[8:])
}

func (bt *bulkTable) wrItemCompare(a, b []byte) int {
	if c := bt.order.Compare(a[wrHead:], b[wrHead:]); c != 0 {
		return c
	}
	return bytes.Compare(a[:8], b[:8])
}

// earlyEntries queues a kept row for its index entries: they are made
// and sorted by the entry worker, on the other core, while the walk goes
// on. Rows go in batches, so that the hand-over costs little per row.
func (bt *bulkTable) earlyEntries(w *entryWorker, item []byte) error {
	if !bt.early || len(bt.indexes) == 0 {
		return nil
	}
	bt.batch = binary.AppendUvarint(bt.batch, uint64(len(item)))
	bt.batch = append(bt.batch, item...)
	if len(bt.batch) >= entryBatch {
		return bt.flushEntries(w, false)
	}
	return nil
}

// entryBatch is how many bytes of rows go to the entry worker at once.
const entryBatch = 256 << 10

// flushEntries hands the queued rows (and lost rows, see queueLost) to
// the worker; with wait, it also waits until the worker has done
// everything queued so far.
func (bt *bulkTable) flushEntries(w *entryWorker, wait bool) error {
	if len(bt.batch) > 0 {
		w.send(entryJob{bt: bt, items: bt.batch})
		bt.batch = w.buffer()
	}
	if len(bt.lostBatch) > 0 {
		w.send(entryJob{bt: bt, items: bt.lostBatch, lost: true})
		bt.lostBatch = nil
	}
	if wait {
		return w.wait()
	}
	return w.error()
}

// lateIndexes drops the entries made so far: they will be made from the
// rows that win.
func (bt *bulkTable) lateIndexes(w *entryWorker) error {
	if !bt.early {
		return nil
	}
	err := bt.flushEntries(w, true)
	bt.early = false
	for _, ix := range bt.indexes {
		ix.sorter.Close()
		ix.sorter = nil
	}
	return err
}

// entryWorker makes the index entries of kept rows, and the items of
// lost_and_found rows (queueLost), on a goroutine of its own.
type entryWorker struct {
	jobs    chan entryJob
	free    chan []byte // batches done with, for reuse
	enc     uint32      // the output's text encoding
	once    sync.Once
	stopped bool // set by stop: a job sent later is an error
	pending sync.WaitGroup
	mu      sync.Mutex
	err     error
}

type entryJob struct {
	bt    *bulkTable
	items []byte // items, each a uvarint length and the item; or lost rows
	lost  bool   // items are lost rows, laid out by queueLost
}

func newEntryWorker(enc uint32) *entryWorker {
	w := &entryWorker{jobs: make(chan entryJob, 4), free: make(chan []byte, 8), enc: enc}
	go w.run()
	return w
}

func (w *entryWorker) send(j entryJob) {
	if w.stopped {
		w.fail(errors.New("recover: rows queued after the entry worker stopped"))
		return
	}
	w.pending.Add(1)
	w.jobs <- j
}

// buffer returns an empty batch: one the worker is done with, or a new one.
func (w *entryWorker) buffer() []byte {
	select {
	case b := <-w.free:
		return b[:0]
	default:
		return make([]byte, 0, entryBatch+entryBatch/8)
	}
}

func (w *entryWorker) wait() error {
	w.pending.Wait()
	return w.error()
}

func (w *entryWorker) error() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// fail keeps the first error.
func (w *entryWorker) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// stop ends the goroutine once everything queued is done; it may be
// called again.
func (w *entryWorker) stop() error {
	err := w.wait()
	w.once.Do(func() {
		close(w.jobs)
		w.stopped = true
	})
	return err
}

func (w *entryWorker) run() {
	var entry, item []byte
	var fields []bulk.Value
	for j := range w.jobs {
		bt := j.bt
		if j.lost {
			if w.error() == nil {
				var err error
				if item, err = addLost(bt, j.items, item, w.enc); err != nil {
					w.fail(err)
				}
			}
			w.done(j)
			continue
		}
		head := rowidHead
		if bt.withoutRowid {
			head = wrHead
		}
		for b := j.items; len(b) > 0 && w.error() == nil; {
			n, k := binary.Uvarint(b)
			item := b[k : k+int(n)]
			b = b[k+int(n):]
			var rowid int64
			if !bt.withoutRowid {
				rowid = rowidAt(item)
			}
			for _, ix := range bt.indexes {
				var err error
				if entry, fields, err = ix.recipe.AppendEntry(entry[:0], rowid, item[head:], fields); err == nil {
					err = ix.sorter.Add(entry)
				}
				if h, ok := recordHash(entry, w.enc); ok && err == nil {
					ix.made.add(h)
				}
				if err != nil {
					w.fail(err)
					break
				}
			}
		}
		w.done(j)
	}
}

// done gives a job's batch back for reuse and counts the job done.
func (w *entryWorker) done(j entryJob) {
	select {
	case w.free <- j.items[:0]:
	default:
	}
	w.pending.Done()
}
