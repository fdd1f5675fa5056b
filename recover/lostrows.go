package recover

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/dbrescue/dbrescue/btree"
)

// lostRows makes the items of lost_and_found rows kept as stored
// (keepLostStored) on a goroutine of its own. When page 1 is lost, every
// row of the file is such a row, and nothing else would use the second
// core while they load: the walk and the decisions stay on the caller's
// goroutine, the records are laid out and sorted here. Every decision is
// taken before a row is handed over (its rowid, sequence number, counts),
// so the output does not depend on when this goroutine runs; only the
// sorter's own errors come back late, from the next hand-over or from
// wait.
type lostRows struct {
	enc  uint32
	jobs chan lostBatch
	free chan []byte
	wg   sync.WaitGroup // batches handed over and not yet done
	stop sync.Once
	// ended is set by end, on the caller's goroutine: a batch handed
	// over later is an error, not a send on a closed channel.
	ended bool

	mu  sync.Mutex
	err error

	item []byte // the worker's scratch, reused from row to row
}

// lostBatch is rows of one table, each laid out by lostRows.put.
type lostBatch struct {
	bt  *bulkTable
	buf []byte
}

// lostBatchBytes is the size at which a table's batch is handed over;
// lostInFlight bounds the batches handed over and not yet done.
const (
	lostBatchBytes = 256 << 10
	lostInFlight   = 4
)

func newLostRows(enc uint32) *lostRows {
	l := &lostRows{enc: enc, jobs: make(chan lostBatch, lostInFlight), free: make(chan []byte, lostInFlight+1)}
	go l.run()
	return l
}

// put adds one row to bt's batch: the row's rowid and sequence number,
// the values toLostAndFound puts before the record's fields, and the
// record as the file stores it (headerSize bytes of header).
func (l *lostRows) put(bt *bulkTable, rowid int64, seq uint64, root, pgno uint32, cell int, id *int64, record []byte, headerSize int) error {
	b := bt.lostBatch
	if b == nil {
		select {
		case b = <-l.free:
		default:
			b = make([]byte, 0, lostBatchBytes+4096)
		}
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(rowid))
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = binary.LittleEndian.AppendUint32(b, root)
	b = binary.LittleEndian.AppendUint32(b, pgno)
	b = binary.AppendUvarint(b, uint64(cell))
	if id != nil {
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint64(b, uint64(*id))
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(headerSize))
	b = binary.AppendUvarint(b, uint64(len(record)))
	b = append(b, record...)
	bt.lostBatch = b
	if len(b) >= lostBatchBytes {
		return l.handOver(bt)
	}
	return nil
}

// handOver gives bt's batch to the worker.
func (l *lostRows) handOver(bt *bulkTable) error {
	if l.ended && len(bt.lostBatch) > 0 {
		return errors.New("recover: lost_and_found rows kept after their worker ended")
	}
	if len(bt.lostBatch) > 0 {
		l.wg.Add(1)
		l.jobs <- lostBatch{bt: bt, buf: bt.lostBatch}
		bt.lostBatch = nil
	}
	return l.error()
}

// wait hands over what bt holds and returns once every row handed over
// is in its sorter: before a sorter is sorted or closed.
func (l *lostRows) wait(bt *bulkTable) error {
	if l == nil {
		return nil
	}
	err := l.handOver(bt)
	l.wg.Wait()
	return errors.Join(err, l.error())
}

// end waits for the rows handed over and ends the worker; rows put and
// not handed over are dropped (end is for when no more rows are kept:
// wait first for a table whose rows matter). It may be called again.
func (l *lostRows) end() error {
	if l == nil {
		return nil
	}
	l.stop.Do(func() {
		l.wg.Wait()
		close(l.jobs)
		l.ended = true
	})
	return l.error()
}

func (l *lostRows) error() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *lostRows) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

func (l *lostRows) run() {
	for job := range l.jobs {
		if l.error() == nil {
			if err := l.add(job); err != nil {
				l.fail(err)
			}
		}
		select {
		case l.free <- job.buf[:0]:
		default:
		}
		l.wg.Done()
	}
}

// add makes the items of one batch and adds them to the table's sorter.
func (l *lostRows) add(job lostBatch) error {
	bt, b := job.bt, job.buf
	for len(b) > 0 {
		rowid := int64(binary.LittleEndian.Uint64(b))
		seq := binary.LittleEndian.Uint64(b[8:])
		root := binary.LittleEndian.Uint32(b[16:])
		pgno := binary.LittleEndian.Uint32(b[20:])
		b = b[24:]
		cell, n := binary.Uvarint(b)
		b = b[n:]
		var id any // NULL: the entry of an index b-tree has no rowid
		if b[0] == 1 {
			id = int64(binary.LittleEndian.Uint64(b[1:]))
			b = b[9:]
		} else {
			b = b[1:]
		}
		h, n := binary.Uvarint(b)
		b = b[n:]
		size, n := binary.Uvarint(b)
		b = b[n:]
		record := b[:size]
		b = b[size:]
		// On the stack: AppendPrefixedRecord keeps none of the values,
		// so boxing them allocates nothing.
		rec := [...]any{int64(root), int64(pgno), int64(cell), id, noTableReason}
		item, err := btree.AppendPrefixedRecord(appendRowItemHead(l.item[:0], rowid, seq, itemRow), rec[:], record, int(h), l.enc)
		if err != nil {
			return err
		}
		l.item = item
		if err := bt.sorter.Add(item); err != nil {
			return err
		}
	}
	return nil
}
