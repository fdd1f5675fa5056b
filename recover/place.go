package recover

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/sqlident"
	"github.com/dbrescue/dbrescue/master"
)

// origin is where entries are read from: the b-tree (for its
// lost_and_found table) and the reader of its pages.
type origin struct {
	key   lostKey
	root  uint32
	table bool // a table (rowid) b-tree
	rd    *btree.Reader
}

// place puts one entry where its page's destination says, after checking
// that it can be a row of that table (admit). Only output errors are
// returned: an entry that is no row of the table is kept in
// lost_and_found, never dropped.
func (r *repairer) place(ctx context.Context, o origin, e *btree.Entry, d destination) error {
	if d.drop {
		return nil
	}
	// A row is suspect when something says its bytes may not be what
	// was written: its page differs from a current metadata backup, an
	// overflow page differs from the backup's while its leaf does not,
	// an overflow page is all zeros (a destroyed page at the end of a
	// chain reads as data), or the chain's last page points on (it was
	// overwritten: the payload is whole, its end may be anything). A
	// page-level backup may complete it.
	overrun := errors.Is(e.PayloadErr, btree.ErrBadValue)
	suspect := d.rank != rankBackup && (d.suspect || overrun || r.overflowChanged(e) || r.zeroOverflow(e) || !sizesAgree(e))
	if d.rank != rankBackup && (e.PayloadErr != nil || suspect) {
		if whole, ok := r.completeFromBackup(e); ok {
			completed := *e
			completed.Payload, completed.PayloadErr = whole, nil
			e, suspect = &completed, false
			if d.t != nil {
				d.t.rep.CompletedFromBackup++
			}
		}
	}
	vals, derr := o.rd.Record(e.Payload)
	truncated := (e.PayloadErr != nil && !overrun) || errors.Is(derr, btree.ErrTruncated)
	t := d.t
	if t == nil {
		return r.toLostAndFound(ctx, o.key, o.root, o.table, e, vals, noTableReason)
	}
	why := ""
	switch {
	case derr != nil && !truncated:
		why = "the record does not decode: " + derr.Error()
	case d.keys != nil && !d.keys.holds(e.Rowid):
		why = "it was carved from a damaged page, and its rowid lies outside the keys the page's parent gives it"
	case d.rank == rankCarved && o.table && !r.listedByIndex(t, e.Rowid):
		why = "it was carved from a damaged page, and the table's own index does not list its rowid"
	default:
		why = r.admit(ctx, t, vals, d.rank)
	}
	if why != "" {
		t.rep.ToLostAndFound++
		return r.toLostAndFound(ctx, o.key, o.root, o.table, e, vals, fmt.Sprintf("found with table %q, but %s", t.Name, why))
	}
	if d.suspect {
		r.suspect[e.Pgno]++
	}
	return r.write(ctx, o, t, e, vals, d.rank, truncated, suspect)
}

// noTableReason is the reason a lost_and_found row of a b-tree no table
// owns gives.
const noTableReason = "no table is known to own this b-tree"

// maxAddedColumns bounds how many columns records may add to a table
// whose schema came from a metadata backup.
const maxAddedColumns = 16

// admit says why a record cannot be a row of t, or "" when it can: it must
// not be wider than the table (unless the table's schema came from a
// metadata backup older than an ADD COLUMN: the table then grows), must
// hold the whole key of a WITHOUT ROWID table, must store NULL where the
// INTEGER PRIMARY KEY sits, and, when only weaker evidence than a walk
// from the table's root placed it, must fit the columns' types.
func (r *repairer) admit(ctx context.Context, t *table, vals []any, rk rank) string {
	n := len(vals)
	if n == 0 {
		return "the record is empty"
	}
	if t.info.WithoutRowid && n < primaryKeyWidth(&t.info) {
		return "the record is shorter than the table's PRIMARY KEY"
	}
	if extra := n - len(t.info.RecordOrder); extra > 0 {
		if !t.extendable() || extra > maxAddedColumns {
			return fmt.Sprintf("the record has %d fields, the table %d columns", n, len(t.info.RecordOrder))
		}
		if err := r.extend(ctx, t, n); err != nil {
			return "the table could not take its extra fields: " + err.Error()
		}
	}
	if sh := t.shapeFor(n); !sh.ok || !aliasSlotNull(&t.info, vals) {
		return "a value sits where the INTEGER PRIMARY KEY is stored as NULL"
	}
	if rk < rankWalked {
		if ok, _ := compatible(&t.info, typesOf(vals)); !ok {
			return "its values do not fit the columns' types"
		}
	}
	return ""
}

// extend adds columns to t until its records can have n fields: the file
// holds rows written after a column was added that the metadata backup
// the schema came from does not know. The columns are named columnN, and
// the report lists them.
func (r *repairer) extend(ctx context.Context, t *table, n int) error {
	for len(t.info.RecordOrder) < n {
		name := ""
		for k := len(t.info.Columns) + 1; name == ""; k++ {
			name = fmt.Sprintf("column%d", k)
			for _, c := range t.info.Columns {
				if strings.EqualFold(c.Name, name) {
					name = ""
				}
			}
		}
		if err := r.out.commit(); err != nil {
			return err
		}
		if err := r.out.trustedExec(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s", sqlident.Quote(t.Name), sqlident.Quote(name))); err != nil {
			return err
		}
		t.info.Columns = append(t.info.Columns, master.Column{Name: name, Affinity: master.AffinityBlob})
		t.info.RecordOrder = append(t.info.RecordOrder, len(t.info.Columns)-1)
		t.shapes = nil
		t.rep.AddedColumns = append(t.rep.AddedColumns, name)
	}
	return nil
}

// write inserts one admitted row into t, unless a copy of the same key of
// equal or higher rank is already there; a lower-ranked copy is replaced.
// Either way the dropped copy is counted as a duplicate.
func (r *repairer) write(ctx context.Context, o origin, t *table, e *btree.Entry, vals []any, rk rank, truncated, suspect bool) error {
	key := ""
	if t.info.WithoutRowid {
		key = encodeKey(vals[:primaryKeyWidth(&t.info)])
	}
	sh := t.shapeFor(len(vals))
	cols, args := sh.cols, sh.values(e.Rowid, vals)
	write, replace := t.keys.offer(e.Rowid, key, t.info.WithoutRowid, rk)
	if !write {
		t.rep.Duplicates++
		return nil
	}
	from := t.counter(rk)
	written := &t.rep.RowsWritten
	if replace {
		written = &t.rep.Duplicates
	}
	*from++
	*written++
	entry := *e // the entry itself is the callback's
	reject := func() error {
		*from--
		*written--
		t.rep.Rejected++
		return r.toLostAndFound(ctx, o.key, o.root, o.table, &entry, vals, fmt.Sprintf("SQLite refused it as a row of %q (a constraint)", t.Name))
	}
	// A virtual table's module wrote first rows of its shadow tables when
	// it created them (an FTS5 structure record, an R-Tree root node):
	// the recovered rows replace them.
	if err := r.out.insert(ctx, t.Name, cols, args, replace || t.shadow, reject); err != nil {
		return err
	}
	if truncated {
		t.rep.Truncated++
		if len(t.rep.TruncatedKeys) < maxListed {
			t.rep.TruncatedKeys = append(t.rep.TruncatedKeys, e.Rowid)
		}
	}
	if suspect && !truncated {
		t.rep.Damaged++
	}
	return nil
}

// counter is the report's count of rows placed on evidence of rank rk.
func (t *table) counter(rk rank) *int {
	switch rk {
	case rankWalked, rankWAL:
		return &t.rep.FromWalk
	case rankCRC:
		return &t.rep.FromCRC
	case rankMetaList:
		return &t.rep.FromMetaList
	case rankRoot:
		return &t.rep.FromRoot
	case rankPtrmap:
		return &t.rep.FromPtrmap
	case rankShape:
		return &t.rep.FromShape
	case rankCarved:
		return &t.rep.FromCarved
	}
	return &t.rep.FromBackup
}

// typesOf gives the serial-type class of decoded values, as compatible
// expects: 0 NULL, 1 integer, 7 real, 13 text, 12 blob.
func typesOf(vals []any) []uint64 {
	out := make([]uint64, len(vals))
	for i, v := range vals {
		switch v.(type) {
		case nil:
			out[i] = 0
		case int64:
			out[i] = 1
		case float64:
			out[i] = 7
		case string:
			out[i] = 13
		default:
			out[i] = 12
		}
	}
	return out
}

// maxListed bounds the lists a report carries.
const maxListed = 20

// sizesAgree reports whether a complete entry's record header and body
// sizes add up to its payload size, as SQLite always writes them: a
// serial type damaged into another reads as a valid but different value
// (an integer as text, a shorter string), and this is what tells.
func sizesAgree(e *btree.Entry) bool {
	if e.PayloadErr != nil {
		return true // a cut payload is counted as truncated
	}
	types, h, err := btree.RecordHeader(e.Payload)
	if err != nil {
		return true // a record that does not decode goes elsewhere
	}
	size := int64(h)
	for _, t := range types {
		size += btree.SerialTypeSize(t)
	}
	return size == int64(len(e.Payload))
}
