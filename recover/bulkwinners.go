package recover

import (
	"encoding/binary"

	"github.com/dbrescue/dbrescue/bulk"
)

// winners walks a rowid table's items, with the rows SQLite holds of it
// (held: rowid and record; nil to leave them where they are), in rowid
// order and calls emit with each row the INSERT path would have left: per
// rowid, the newest copy SQLite accepted; fromSQLite when that is the odd
// copy SQLite holds (its record nil when held is nil).
func (bt *bulkTable) winners(it *bulk.Iter, held *bulk.Iter, emit func(rowid int64, rec []byte, fromSQLite bool) error) error {
	h := heldCursor{it: held}
	h.next()
	var cur int64
	in, decided := false, false
	// finish ends the group of rowid cur: the row SQLite holds for it is
	// the winner only if no newer copy was decided.
	finish := func() error {
		if in && h.ok && h.rowid == cur {
			if !decided {
				if err := emit(cur, h.rec, true); err != nil {
					return err
				}
			}
			h.next()
		}
		return h.err
	}
	// below emits the rows SQLite holds under rowids no item has.
	below := func(rowid int64, all bool) error {
		for h.ok && (all || h.rowid < rowid) {
			if err := emit(h.rowid, h.rec, true); err != nil {
				return err
			}
			h.next()
		}
		return h.err
	}
	for it.Next() {
		item := it.Item()
		rowid := rowidAt(item)
		if !in || rowid != cur {
			if err := finish(); err != nil {
				return err
			}
			if err := below(rowid, false); err != nil {
				return err
			}
			cur, in, decided = rowid, true, false
		}
		if decided {
			continue
		}
		seq := ^binary.BigEndian.Uint64(item[8:])
		switch {
		case item[16] == itemRow:
			decided = true
			if err := emit(rowid, item[rowidHead:], false); err != nil {
				return err
			}
		case !bt.refusedSeq(seq):
			// SQLite accepted this odd copy: the row it holds is it.
			decided = true
			var err error
			switch {
			case held == nil:
				err = emit(rowid, nil, true)
			case h.ok && h.rowid == rowid:
				err = emit(rowid, h.rec, true)
			}
			if err != nil {
				return err
			}
		}
	}
	if it.Err() != nil {
		return it.Err()
	}
	if err := finish(); err != nil {
		return err
	}
	return below(0, true)
}

// heldCursor reads the rows SQLite holds of a table, in rowid order.
type heldCursor struct {
	it    *bulk.Iter
	ok    bool
	rowid int64
	rec   []byte
	err   error
}

func (h *heldCursor) next() {
	h.ok = h.it != nil && h.it.Next()
	if h.ok {
		item := h.it.Item()
		h.rowid, h.rec = rowidAt(item), item[8:]
	} else if h.it != nil {
		h.err = h.it.Err()
	}
}

// wrWinners walks a WITHOUT ROWID table's items, in key order with the
// newest copy of each key first, and emits the newest.
func (bt *bulkTable) wrWinners(it *bulk.Iter, emit func(rec []byte) error) error {
	var prev []byte
	for it.Next() {
		rec := it.Item()[wrHead:]
		if prev != nil && bt.order.Compare(prev, rec) == 0 {
			continue
		}
		if err := emit(rec); err != nil {
			return err
		}
		prev = append(prev[:0], rec...)
	}
	return it.Err()
}
