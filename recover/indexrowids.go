package recover

import (
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// listedByIndex reports whether rowid may be a row of t as its indexes
// see it: true when some index of t that is not partial, walked clean in
// the damaged file, lists the rowid, or when t has no such index. A row
// carved from a damaged page must pass: bytes of a destroyed page that
// happen to decode as a row of the table carry a rowid no index lists,
// while a real row's rowid is in every full index. The rowid sets are
// built once per table.
func (r *repairer) listedByIndex(t *table, rowid int64) bool {
	if r.indexRowids == nil {
		r.indexRowids = map[*table]map[int64]bool{}
	}
	ids, built := r.indexRowids[t]
	if !built {
		ids = r.rowidsOfIndexes(t)
		r.indexRowids[t] = ids
	}
	return ids == nil || ids[rowid]
}

// rowidsOfIndexes returns the rowids of the first full index of rowid
// table t whose walk was clean, nil when it has none.
func (r *repairer) rowidsOfIndexes(t *table) map[int64]bool {
	if t.info.WithoutRowid {
		return nil
	}
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan || !ct.IndexTree || ct.Walk == nil || len(ct.Walk.Errors) > 0 ||
			!strings.EqualFold(ct.TblName, t.Name) || strings.EqualFold(ct.Name, t.Name) ||
			!r.plan.indexes[strings.ToLower(ct.Name)] || r.plan.partial[strings.ToLower(ct.Name)] {
			continue
		}
		ids := map[int64]bool{}
		clean := true
		res, err := r.cen.Walk(ct.Index, btree.WalkOptions{OnEntry: func(e *btree.Entry) error {
			// Only the trailing rowid is decoded: the set is built for
			// every indexed table of every repair.
			if id, ok := btree.LastInteger(e.Payload); ok && e.PayloadErr == nil {
				ids[id] = true
			} else {
				clean = false
			}
			return nil
		}})
		if err == nil && clean && len(res.Errors) == 0 {
			return ids
		}
	}
	return nil
}
