package recover

import (
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// listedByIndex reports whether rowid may be a row of t as its indexes
// see it: true when some index of t that is not partial, walked clean in
// the damaged file, lists the rowid, or when t has no such index. A row
// carved from a damaged page must pass: bytes of a destroyed page that
// happen to decode as a row of the table carry a rowid no index lists,
// while a real row's rowid is in every full index. The rowids are
// gathered once per table, and only for tables that have carved rows:
// sorted, 8 bytes a row.
func (r *repairer) listedByIndex(t *table, rowid int64) bool {
	if r.indexRowids == nil {
		r.indexRowids = map[*table]*indexedRowids{}
	}
	set := r.indexRowids[t]
	if set == nil {
		set = &indexedRowids{}
		set.clean = r.eachIndexedRowid(t, func(id int64) { set.ids = append(set.ids, id) }, func() { set.ids = set.ids[:0] })
		slices.Sort(set.ids)
		r.indexRowids[t] = set
	}
	if !set.clean {
		return true
	}
	_, found := slices.BinarySearch(set.ids, rowid)
	return found
}

// indexedRowids are the rowids a clean full index of a table lists; clean
// is false when the table has no such index.
type indexedRowids struct {
	ids   []int64
	clean bool
}

// eachIndexedRowid calls fn with every rowid the first full index of
// rowid table t whose walk was clean lists, and reports whether there was
// such an index. An index whose entries turn out unreadable halfway is
// given up, reset is called, and the next one is tried.
func (r *repairer) eachIndexedRowid(t *table, fn func(id int64), reset func()) bool {
	if t.info.WithoutRowid {
		return false
	}
	for _, ct := range r.cen.Trees {
		if !r.cleanFullIndex(ct, t) {
			continue
		}
		clean := true
		res, err := r.cen.Walk(ct.Index, btree.WalkOptions{Reuse: true, OnEntry: func(e *btree.Entry) error {
			// Only the trailing rowid is decoded: every indexed table of
			// every repair is read this way.
			if id, ok := btree.LastInteger(e.Payload); ok && e.PayloadErr == nil && clean {
				fn(id)
			} else {
				clean = false
			}
			return nil
		}})
		if err == nil && clean && len(res.Errors) == 0 {
			return true
		}
		reset()
	}
	return false
}

// cleanFullIndex reports whether census tree ct is a full (not partial)
// index of t that the repair recreates and whose walk met no damage.
func (r *repairer) cleanFullIndex(ct *census.Tree, t *table) bool {
	return ct.From != census.FromOrphan && ct.IndexTree && ct.Walk != nil && len(ct.Walk.Errors) == 0 &&
		strings.EqualFold(ct.TblName, t.Name) && !strings.EqualFold(ct.Name, t.Name) &&
		r.plan.indexes[strings.ToLower(ct.Name)] && !r.plan.partial[strings.ToLower(ct.Name)]
}

// indexListsOnlyKept reports whether the index eachIndexedRowid would
// read for t lists exactly the rowids t holds, by the signatures of both
// sets (readFileIndex's, made while the rows loaded): then no row it
// lists is missing, and the index need not be read again. False when
// that is not known.
func (r *repairer) indexListsOnlyKept(t *table) bool {
	if t.info.WithoutRowid || r.fileIdx == nil {
		return false
	}
	r.fileIdx.wait()
	for _, ct := range r.cen.Trees {
		if !r.cleanFullIndex(ct, t) {
			continue
		}
		fi, ok := r.fileIdx.byTree[ct.Index]
		return ok && fi.clean && fi.rowids == t.keys.signature()
	}
	return false
}
