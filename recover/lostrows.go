package recover

import (
	"encoding/binary"

	"github.com/dbrescue/dbrescue/btree"
)

// lost_and_found rows kept as stored (keepLostStored) are laid out and
// sorted by the entry worker, on its goroutine: when page 1 is lost every
// row of the file is such a row, there are no index entries to make, and
// the second core would otherwise idle while they load. The walk and the
// decisions stay on the caller's goroutine: every decision (the rowid, the
// sequence number, the counts) is taken before a row is queued, so the
// output does not depend on when the worker runs; only the sorter's own
// errors come back late, from the next hand-over or the next wait.

// queueLost adds one row to bt's batch of lost rows: the row's rowid and
// sequence number, the values toLostAndFound puts before the record's
// fields, and the record as the file stores it (headerSize bytes of
// header). A full batch goes to the worker.
func (bt *bulkTable) queueLost(w *entryWorker, rowid int64, seq uint64, root, pgno uint32, cell int, id *int64, record []byte, headerSize int) error {
	if bt.lostBatch == nil {
		bt.lostBatch = w.buffer()
	}
	b := bt.lostBatch
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
	if len(b) >= entryBatch {
		return bt.flushEntries(w, false)
	}
	return nil
}

// addLost makes the items of one batch of lost rows and adds them to the
// table's sorter; item is the worker's scratch.
func addLost(bt *bulkTable, b, item []byte, enc uint32) ([]byte, error) {
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
		var err error
		if item, err = btree.AppendPrefixedRecord(appendRowItemHead(item[:0], rowid, seq, itemRow), rec[:], record, int(h), enc); err != nil {
			return item, err
		}
		if err := bt.sorter.Add(item); err != nil {
			return item, err
		}
	}
	return item, nil
}
