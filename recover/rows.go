package recover

import (
	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// rowColumns maps a decoded record of t, stored under rowid, to the columns
// and values to insert. A record shorter than the table (written before an
// ALTER TABLE ADD COLUMN) leaves the missing columns out, so SQLite fills
// in their DEFAULTs. The INTEGER PRIMARY KEY, stored as NULL, gets the
// rowid; a rowid table without one gets its rowid set explicitly. STORED
// generated columns are recomputed by SQLite, not inserted. ok is false
// when the record cannot belong to t (wider than the table, or a value
// where the rowid alias must be NULL).
func rowColumns(t *master.Table, rowid int64, rec []any) (cols []string, vals []any, ok bool) {
	order := t.RecordOrder
	if len(rec) == 0 || len(rec) > len(order) {
		return nil, nil, false
	}
	if !t.WithoutRowid && t.RowidAlias < 0 {
		cols, vals = append(cols, "rowid"), append(vals, rowid)
	}
	aliasDone := false
	for i, v := range rec {
		ci := order[i]
		c := t.Columns[ci]
		switch {
		case ci == t.RowidAlias:
			if v != nil {
				return nil, nil, false
			}
			v, aliasDone = rowid, true
		case c.Hidden == master.ColumnGeneratedStored:
			continue
		}
		cols, vals = append(cols, c.Name), append(vals, v)
	}
	if t.RowidAlias >= 0 && !aliasDone {
		cols, vals = append(cols, t.Columns[t.RowidAlias].Name), append(vals, rowid)
	}
	return cols, vals, true
}

// rowShape is rowColumns' work for one table and record width, done once:
// the column names and, for each value position, where the record field
// comes from (-1: the rowid).
type rowShape struct {
	cols []string
	from []int
	ok   bool
}

// shapeFor returns (and caches on t) the shape of records with n fields.
func (t *table) shapeFor(n int) *rowShape {
	if t.shapes == nil {
		t.shapes = map[int]*rowShape{}
	}
	if sh, ok := t.shapes[n]; ok {
		return sh
	}
	sh := &rowShape{}
	probe := make([]any, n)
	for i := range probe {
		probe[i] = i // non-nil stand-ins, positions recoverable below
	}
	if t.info.RowidAlias >= 0 && t.info.RowidAlias < len(t.info.RecordOrder) {
		for i, ci := range t.info.RecordOrder {
			if ci == t.info.RowidAlias && i < n {
				probe[i] = nil
			}
		}
	}
	cols, vals, ok := rowColumns(&t.info, -1, probe)
	if ok {
		sh.cols, sh.ok = cols, true
		for _, v := range vals {
			if i, isPos := v.(int); isPos {
				sh.from = append(sh.from, i)
			} else {
				sh.from = append(sh.from, -1) // the rowid
			}
		}
	}
	t.shapes[n] = sh
	return sh
}

// values lays out one record's values in the shape's column order.
func (sh *rowShape) values(rowid int64, rec []any) []any {
	out := make([]any, len(sh.from))
	for i, f := range sh.from {
		if f < 0 {
			out[i] = rowid
		} else {
			out[i] = rec[f]
		}
	}
	return out
}

// primaryKeyWidth is the number of leading record fields that form a
// WITHOUT ROWID table's key.
func primaryKeyWidth(t *master.Table) int {
	n := 0
	for _, c := range t.Columns {
		if c.PK > 0 {
			n++
		}
	}
	return n
}

// compatible reports whether a record with these serial types can be a row
// of t, and how strongly its types agree with the columns' affinities.
// Hard mismatches: more fields than the table stores, a non-NULL value in
// the rowid alias's slot, NULL in a NOT NULL column, a number in a TEXT
// column (TEXT affinity turns numbers into text), a wrong type in a STRICT
// table.
func compatible(t *master.Table, types []uint64) (ok bool, strong int) {
	order := t.RecordOrder
	if len(types) == 0 || len(types) > len(order) {
		return false, 0
	}
	for i, st := range types {
		ci := order[i]
		c := t.Columns[ci]
		isNull := st == 0
		isNum := (st >= 1 && st <= 9) && !isNull
		isText := st >= 13 && st%2 == 1
		isBlob := st >= 12 && st%2 == 0
		switch {
		case ci == t.RowidAlias:
			if !isNull {
				return false, 0
			}
			strong++
		case isNull:
			if c.NotNull {
				return false, 0
			}
		case c.Affinity == master.AffinityText:
			if isNum {
				return false, 0
			}
			if isText {
				strong++
			}
		case c.Affinity == master.AffinityInteger || c.Affinity == master.AffinityReal || c.Affinity == master.AffinityNumeric:
			if isNum {
				strong++
			} else if t.Strict {
				return false, 0
			}
		default: // BLOB or no affinity: anything goes
			if t.Strict && isBlob {
				strong++
			}
		}
	}
	return true, strong
}

// aliasSlotNull reports whether the record holds NULL where the INTEGER
// PRIMARY KEY sits, as every record of a table with one does.
func aliasSlotNull(t *master.Table, vals []any) bool {
	if t.RowidAlias < 0 {
		return true
	}
	for i, ci := range t.RecordOrder {
		if ci == t.RowidAlias {
			return i >= len(vals) || vals[i] == nil
		}
	}
	return true
}

// fits reports whether a record with these serial types can be a row of
// t. A table whose schema came from a metadata backup may hold records
// with up to maxAddedColumns more fields (columns added since the backup):
// those fit when their first fields do.
func (t *table) fits(types []uint64) bool {
	if extra := len(types) - len(t.info.RecordOrder); extra > 0 && extra <= maxAddedColumns && t.extendable() {
		types = types[:len(t.info.RecordOrder)]
	}
	ok, _ := compatible(&t.info, types)
	return ok
}

// fitShare is the share of a page's records that fit t (1 for a page
// without a readable record).
func (t *table) fitShare(p *btree.Page) float64 {
	return shareOf(p, t.fits)
}
