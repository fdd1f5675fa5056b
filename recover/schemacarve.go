package recover

import (
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// Schema rows the file lost are often still on its sqlite_master pages: a
// row deleted (by a crash in the middle of a schema change, by damage, or
// on purpose) leaves its bytes in a freeblock, but for the first four,
// which the freeblock's header overwrites; the rest of the record, with
// its CREATE text, survives. carvedSchema finds them. A carved row names
// an object only if its b-tree is there as an orphan tree (see
// plan.accept): a table dropped on purpose has its pages on the freelist
// or reused, and does not come back.

// schemaTypes are the serial types of the texts 'view' (21), 'table' and
// 'index' (23) and 'trigger' (27): what the first field of a sqlite_master
// row, whose type byte a freeblock header overwrote, may have been.
var schemaTypes = []uint64{21, 23, 27}

// carvedSchema returns the sqlite_master rows found in the free space of
// the sqlite_master pages that still parse.
func (r *repairer) carvedSchema() []btree.SchemaRow {
	var out []btree.SchemaRow
	for i, pg := range r.cen.Pages {
		if pg.Tree != 0 || !pg.Class.Leaf() {
			continue
		}
		pgno := uint32(i + 1)
		p, err := r.rd.Page(pgno)
		if err != nil {
			continue
		}
		recs := btree.DeletedShaped(p, btree.Shape{Fields: 5, Lost: func(i int) []uint64 {
			if i == 0 {
				return schemaTypes
			}
			return nil
		}, Valid: func(rec []byte) bool { _, ok := r.schemaRecord(rec); return ok }})
		recs = append(recs, btree.Unallocated(p)...)
		for _, d := range recs {
			if row, ok := r.schemaRecord(d.Record); ok {
				row.Pgno = pgno
				out = append(out, row)
			}
		}
	}
	return out
}

// schemaRecord decodes a record as a sqlite_master row, if it is one: a
// known type, a name and table name, a root page (or none), CREATE text.
func (r *repairer) schemaRecord(rec []byte) (btree.SchemaRow, bool) {
	vals, err := r.rd.Record(rec)
	if err != nil || len(vals) != 5 {
		return btree.SchemaRow{}, false
	}
	typ, _ := vals[0].(string)
	name, _ := vals[1].(string)
	tbl, _ := vals[2].(string)
	sqlText, _ := vals[4].(string)
	root, isInt := vals[3].(int64)
	switch {
	case typ != "table" && typ != "index" && typ != "view" && typ != "trigger",
		name == "" || tbl == "" || len(name) > 1024 || len(tbl) > 1024,
		!isInt && vals[3] != nil, root < 0 || root > 1<<32-2,
		!strings.HasPrefix(strings.ToUpper(strings.TrimSpace(sqlText)), "CREATE"):
		return btree.SchemaRow{}, false
	}
	return btree.SchemaRow{Type: typ, Name: name, TblName: tbl, RootPage: root, SQL: sqlText}, true
}

// orphanRoots marks the top pages of the orphan trees: the only roots a
// carved schema row may name.
func (r *repairer) orphanRoots() map[uint32]bool {
	out := map[uint32]bool{}
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan {
			out[ct.Root] = true
		}
	}
	return out
}
