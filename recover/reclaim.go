package recover

import (
	"context"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// reclaim puts back rows that a table's own index still lists but no page
// holds, when a whole cell with that rowid survives in the unallocated
// space or inside a freeblock of one of the table's leaves whose keys
// include it. That is what a
// lost write leaves (a page put back in an older version: the rows it
// gained are gone from its cells, the index that was written still has
// them), and what defragmenting leaves behind. A row deleted for real is
// gone from the index too, so the index decides: nothing it does not list
// comes back. The row may be an older version of itself, so it is
// flagged damaged, and the index cross-check compares its indexed values.
func (r *repairer) reclaim(ctx context.Context) error {
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan || ct.Walk == nil || ct.IndexTree {
			continue
		}
		t := r.plan.byName[strings.ToLower(ct.Name)]
		if t == nil || !t.created || t.Virtual || t.info.WithoutRowid {
			continue
		}
		if r.indexListsOnlyKept(t) {
			continue
		}
		missing := r.indexedButMissing(t)
		if len(missing) == 0 {
			continue
		}
		ranges := r.childRanges(ct)
		fitsT := func(rec []byte) bool {
			types, _, err := btree.RecordHeader(rec)
			return err == nil && t.fits(types)
		}
		o := origin{key: lostKey{tree: ct.Index}, root: ct.Root, table: true, rd: r.rd}
		for _, v := range ct.Walk.Pages {
			if !v.Type.Leaf() || int(r.cen.Page(v.Pgno).Tree) != ct.Index {
				continue
			}
			p, err := r.rd.Page(v.Pgno)
			if err != nil {
				continue
			}
			keys, bounded := ranges[v.Pgno]
			// A cell the index lists survives in the unallocated space (a
			// page defragmented, or put back whole) or inside a freeblock
			// of the older image (a page put back over cells that had
			// been written into its free space).
			for _, d := range append(btree.UnallocatedWhere(p, fitsT), btree.FreeblockCells(p, fitsT)...) {
				if !d.HasRowid || !missing[d.Rowid] || (bounded && !keys.holds(d.Rowid)) {
					continue
				}
				delete(missing, d.Rowid)
				e := &btree.Entry{Pgno: v.Pgno, Rowid: d.Rowid, Payload: d.Record}
				if err := r.place(ctx, o, e, destination{t: t, rank: rankCarved, suspect: true}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// indexedButMissing returns the rowids a clean full index of t lists that
// no row recovered so far has. The index is streamed against the rows
// kept: memory holds only the missing rowids, not the index.
func (r *repairer) indexedButMissing(t *table) map[int64]bool {
	out := map[int64]bool{}
	if !r.eachIndexedRowid(t, func(id int64) {
		if !t.keys.has(id) {
			out[id] = true
		}
	}, func() { clear(out) }) {
		return nil
	}
	return out
}
