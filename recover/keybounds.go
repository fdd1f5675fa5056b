package recover

import (
	"math"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// keyRange is the rowids a page of a table b-tree may hold: above lo, up
// to and including hi, as its parent's divider keys say.
type keyRange struct{ lo, hi int64 }

func (k keyRange) holds(rowid int64) bool { return rowid > k.lo && rowid <= k.hi }

// childRanges returns, for every child page the interior pages of a table
// tree point at, the rowids it may hold. A carved cell must fall inside
// its page's range: real rows do, while bytes of a destroyed page that
// happen to decode as a cell carry a rowid from nowhere. Pages the tree
// does not reach have no range. The result is kept per tree.
func (r *repairer) childRanges(ct *census.Tree) map[uint32]keyRange {
	if r.ranges == nil {
		r.ranges = map[int]map[uint32]keyRange{}
	}
	if got, ok := r.ranges[ct.Index]; ok {
		return got
	}
	out := map[uint32]keyRange{ct.Root: {math.MinInt64, math.MaxInt64}}
	r.ranges[ct.Index] = out
	if ct.IndexTree {
		return out
	}
	_, _ = r.cen.Walk(ct.Index, btree.WalkOptions{ChainsOnly: true, OnPage: func(p *btree.Page) {
		// The walk visits a page before its children: its own range is
		// known from its parent.
		own, ok := out[p.Pgno]
		if !ok || p.Type != btree.TableInterior {
			return
		}
		lo := own.lo
		for i := 0; i < p.CellCount; i++ {
			c, err := p.Cell(i)
			if err != nil {
				return // the children after a bad cell have no known range
			}
			out[c.LeftChild] = keyRange{lo, min(c.Rowid, own.hi)}
			lo = max(lo, c.Rowid)
		}
		out[p.RightChild] = keyRange{lo, own.hi}
	}})
	return out
}
