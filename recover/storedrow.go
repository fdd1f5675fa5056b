package recover

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// keepStored is place and write for the common row of a sound file: a
// whole, canonical record (btree.CanonicalRecord) walked from its table's
// root, on a page nothing suspects, of a table the builder writes, whose
// values SQLite would store as they are. Such a row needs no decision, so
// its record is handed to the builder as the file stores it, without
// being decoded and encoded again: the bytes are the same (the fuzz
// target of CanonicalRecord holds it to that). Anything else, or any
// doubt, returns kept false and goes the whole way through place, which
// counts, judges and writes it; keepStored changes nothing then.
func (r *repairer) keepStored(o origin, e *btree.Entry, d destination) (kept bool, err error) {
	t := d.t
	if t == nil {
		return r.keepLostStored(o, e, d)
	}
	if d.drop || d.alone || d.suspect || d.keys != nil || (d.rank != rankWalked && d.rank != rankWAL) ||
		!o.table || r.bulk == nil || r.out.divert == nil || t.shadow || t.info.WithoutRowid {
		return false, nil
	}
	bt := r.bulk.tableOf(t)
	if bt == nil || bt.t != t || bt.path != PathBulk || bt.lost != nil || bt.withoutRowid {
		return false, nil
	}
	types, pos, ok := r.storedRecord(e, bt)
	n := len(types)
	if !ok || n == 0 || len(e.Payload) > maxSQLiteLength || n > len(t.info.RecordOrder) ||
		len(bt.rules) != len(t.info.RecordOrder) || !bt.shortOK[n] || !bt.copiesRecord(n) {
		return false, nil
	}
	for i, st := range types {
		size := int(btree.SerialTypeSize(st))
		if !bt.rules[i].acceptsStored(st, e.Payload[pos:pos+size]) {
			return false, nil
		}
		pos += size
	}

	// From here on, what place and write do with such a row.
	write, replace := t.keys.offer(e.Rowid, "", false, d.rank)
	if !write {
		t.rep.Duplicates++
		return true, nil
	}
	*t.counter(d.rank)++
	if replace {
		t.rep.Duplicates++
		if err := bt.lateIndexes(r.bulk.entries); err != nil {
			return true, err
		}
	} else {
		t.rep.RowsWritten++
	}
	bt.seq++
	item := append(appendRowItemHead(bt.item[:0], e.Rowid, bt.seq, itemRow), e.Payload...)
	bt.item = item
	if err := bt.sorter.Add(item); err != nil {
		return true, err
	}
	return true, bt.earlyEntries(r.bulk.entries, item)
}

// keepLostStored is keepStored for an entry of a b-tree no table owns: it
// goes to the tree's lost_and_found table as toLostAndFound puts it there
// (where it came from, then its fields), the fields copied from the
// record as the file stores them. The table's first row, a row wider than
// the table, and anything keepStored would not copy go through place.
func (r *repairer) keepLostStored(o origin, e *btree.Entry, d destination) (bool, error) {
	if d.drop || d.alone || d.suspect || r.bulk == nil || r.out.divert == nil {
		return false, nil
	}
	lt := r.lost[o.key]
	if lt == nil {
		return false, nil
	}
	bt := lt.bulk
	if bt == nil {
		// Looked up once: a lost_and_found table's bulk table, once
		// made, stays the same.
		bt = r.bulk.tables[lt.name]
		lt.bulk = bt
	}
	if bt == nil || bt.lost != lt || bt.path != PathBulk {
		return false, nil
	}
	types, h, ok := r.storedRecord(e, bt)
	if !ok || len(types) > lt.width {
		return false, nil
	}
	var id *int64
	if o.table {
		id = &e.Rowid
	}
	var err error
	if len(e.Payload) <= maxSQLiteLength-lostPrefixMax {
		// Surely short enough for SQLite: laid out on the other core.
		bt.seq++
		err = bt.queueLost(r.bulk.entries, bt.nextRowid, bt.seq, o.root, e.Pgno, e.Cell, id, e.Payload, h)
	} else if kept, aerr := bt.keepLostNow(r, o, e, id, h); !kept {
		return false, nil
	} else {
		err = aerr
	}
	bt.nextRowid++
	lt.rep.Rows++
	if e.Pgno != lt.lastPage {
		lt.pages[e.Pgno], lt.lastPage = true, e.Pgno
	}
	return true, err
}

// lostPrefixMax bounds what the values toLostAndFound puts before a
// record's fields add to its length: four integers (a serial type and at
// most 8 bytes each), the reason (its length, and a serial type of at most
// 9 bytes), and the header's size growing by up to 9 bytes.
const lostPrefixMax = 4*9 + len(noTableReason) + 9 + 9

// keepLostNow is keepLostStored for a row that may be too long for
// SQLite once its origin is put before its fields: laid out here, and
// refused (kept false, nothing changed) when it is.
func (bt *bulkTable) keepLostNow(r *repairer, o origin, e *btree.Entry, id *int64, h int) (bool, error) {
	var idv any
	if id != nil {
		idv = *id
	}
	// The values toLostAndFound passes, as keepLost normalises them; the
	// columns' rules (INTEGER, TEXT, untyped) take them all unchanged.
	bt.rec = append(bt.rec[:0], int64(o.root), int64(e.Pgno), int64(e.Cell), idv, noTableReason)
	item, err := btree.AppendPrefixedRecord(appendRowItemHead(bt.item[:0], bt.nextRowid, bt.seq+1, itemRow), bt.rec, e.Payload, h, r.bulk.enc)
	if err != nil || len(item)-rowidHead > maxSQLiteLength {
		return false, nil
	}
	bt.seq++
	bt.item = item
	return true, bt.sorter.Add(item)
}

// storedRecord returns the serial types and header size of e's record
// when its bytes may go to bt as the file stores them: whole, canonical,
// in the output's text encoding, and no overflow page of it suspect (a
// page differing from a metadata backup's, or zeroed), which place
// would flag.
func (r *repairer) storedRecord(e *btree.Entry, bt *bulkTable) ([]uint64, int, bool) {
	if e.PayloadErr != nil || r.bulk.enc != r.rd.Encoding() {
		return nil, 0, false
	}
	if len(e.Overflow) > 0 && (r.overflowChanged(e) || r.zeroOverflow(e)) {
		return nil, 0, false
	}
	types, h, ok := btree.CanonicalRecord(bt.types[:0], e.Payload, r.rd.Encoding())
	bt.types = types
	return types, h, ok
}

// copiesRecord reports whether the INSERT path's values for a record of n
// fields lay out to that same record again (bulkTable.record): the shape
// takes every field but the INTEGER PRIMARY KEY's slot, and the rowid
// once. The answer is kept per width until columns are added.
func (bt *bulkTable) copiesRecord(n int) bool {
	width := len(bt.t.info.RecordOrder)
	if bt.copyableWidth != width {
		bt.copyable, bt.copyableWidth = make([]int8, width+1), width
	}
	if bt.copyable[n] == 0 {
		bt.copyable[n] = -1
		if shapeCopiesRecord(bt.t.shapeFor(n), bt.rules[:n]) {
			bt.copyable[n] = 1
		}
	}
	return bt.copyable[n] == 1
}

func shapeCopiesRecord(sh *rowShape, rules []colRule) bool {
	if !sh.ok {
		return false
	}
	taken := make([]bool, len(rules))
	rowids := 0
	for _, f := range sh.from {
		switch {
		case f < 0:
			rowids++
		case f < len(taken):
			taken[f] = true
		default:
			return false
		}
	}
	for i, ok := range taken {
		if !ok && !rules[i].alias {
			return false
		}
	}
	return rowids == 1
}

// acceptsStored is accepts for a value as a record stores it: serial
// type st, body the value's bytes. A test holds the two to the same
// answers.
func (c colRule) acceptsStored(st uint64, body []byte) bool {
	switch {
	case c.alias:
		return st == 0 // the INTEGER PRIMARY KEY is stored as NULL
	case st == 0:
		return !c.notNull
	case st <= 6 || st == 8 || st == 9:
		switch c.aff {
		case master.AffinityText:
			return false
		case master.AffinityReal:
			return st != 6
		}
		return true
	case st == 7:
		v := math.Float64frombits(binary.BigEndian.Uint64(body))
		switch {
		case math.IsNaN(v):
			return false // never stored; let the INSERT path judge
		case c.aff == master.AffinityText:
			return false
		case c.aff == master.AffinityBlob:
			return true
		}
		return v != math.Trunc(v) || math.Abs(v) >= 1<<63
	case st >= 13 && st%2 == 1:
		if c.aff == master.AffinityText || c.aff == master.AffinityBlob {
			return true
		}
		return !bytes.ContainsAny(body, "0123456789")
	case st >= 12:
		return true
	}
	return false
}
