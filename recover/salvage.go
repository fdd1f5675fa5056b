package recover

import (
	"context"
	"maps"
	"slices"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// salvageLost carves the cells of pages a table's own tree points at but
// whose header is too damaged to parse (a cell count of 4099, a freeblock
// pointer out of range, an overwritten cell pointer array): one bad header
// field must not lose a page. The rows go to the tree's table, as carved,
// when they fit it; the rest to lost_and_found.
func (r *repairer) salvageLost(ctx context.Context) error {
	for i, p := range r.cen.Pages {
		if p.Class != census.Unknown || p.Tree < 0 {
			continue // zero pages hold nothing; unreadable ones cannot be read
		}
		ct := r.cen.Trees[p.Tree]
		if ct.From == census.FromOrphan || ct.Walk == nil {
			continue
		}
		d, ok := r.decideNamed(ct)
		if !ok || d.drop || d.t == nil {
			continue
		}
		if err := r.carvePage(ctx, uint32(i+1), ct, destination{t: d.t, rank: rankCarved}, nil); err != nil {
			return err
		}
	}
	return nil
}

// carvePage places the cells Salvage finds on page pgno of tree ct, except
// those at offsets already read through the page's own pointers (seen).
func (r *repairer) carvePage(ctx context.Context, pgno uint32, ct *census.Tree, d destination, seen map[int]bool) error {
	data, err := r.f.Page(pgno)
	if err != nil {
		return nil
	}
	typ := btree.TableLeaf
	if ct.IndexTree {
		typ = btree.IndexLeaf
	}
	o := origin{key: lostKey{tree: ct.Index}, root: ct.Root, table: !ct.IndexTree, rd: r.rd}
	keys, bounded := r.childRanges(ct)[pgno]
	n := 0
	for i, c := range btree.Salvage(pgno, data, r.f.Usable(), typ, d.t.carvable) {
		if seen[c.Offset] {
			continue
		}
		payload, chain, perr := r.rd.Payload(&btree.Cell{Offset: c.Offset, Size: c.Size, Rowid: c.Rowid, PayloadSize: c.PayloadSize, Local: c.Local, Overflow: c.Overflow})
		e := &btree.Entry{Pgno: pgno, Cell: i, Rowid: c.Rowid, Payload: payload, Overflow: chain, PayloadErr: perr}
		cd := d
		if bounded && !ct.IndexTree {
			cd.keys = &keys
		}
		if perr == nil {
			// The census could not reach these overflow pages through
			// the damaged leaf; they are read, not lost.
			for _, pg := range chain {
				r.carvedChains[pg] = true
			}
		}
		if err := r.place(ctx, o, e, cd); err != nil {
			return err
		}
		n++
	}
	r.carved[pgno] += n
	return nil
}

// carvable reports whether a carved cell's record can be a row of the
// table (see fits); SQLite never writes a row's record without a field.
// A nil table takes anything.
func (t *table) carvable(c btree.SalvagedCell) bool {
	if t == nil {
		return true
	}
	types, _, err := btree.RecordHeader(c.Local)
	if err != nil {
		return true // a header spilling to overflow pages: judged when placed
	}
	return len(types) > 0 && t.fits(types)
}

// pointersDamaged reports whether some cell pointer of a leaf cannot be
// SQLite's: its cell lies before the cell content area, or overlaps
// another cell. An overwritten pointer array still points at bytes that
// may decode as (wrong) cells.
func pointersDamaged(p *btree.Page) bool {
	type extent struct{ start, end int }
	var cells []extent
	for i := 0; i < p.CellCount; i++ {
		c, err := p.Cell(i)
		if err != nil {
			continue
		}
		if c.Offset < p.ContentStart {
			return true
		}
		cells = append(cells, extent{c.Offset, c.Offset + c.Size})
	}
	slices.SortFunc(cells, func(a, b extent) int { return a.start - b.start })
	for i := 1; i < len(cells); i++ {
		if cells[i].start < cells[i-1].end {
			return true
		}
	}
	return false
}

// carveWalked carves the leaves whose cells did not all read through their
// pointers during the load (a bad cell pointer loses that cell only, and
// carving may find it), skipping the cells already read.
func (r *repairer) carveWalked(ctx context.Context) error {
	for _, pgno := range slices.Sorted(maps.Keys(r.damagedLeaves)) {
		w := r.damagedLeaves[pgno]
		if err := r.carvePage(ctx, pgno, w.tree, destination{t: w.dest.t, rank: rankCarved}, w.seen); err != nil {
			return err
		}
	}
	return nil
}

// damagedLeaf is a walked leaf some of whose cells did not read.
type damagedLeaf struct {
	tree *census.Tree
	dest destination
	seen map[int]bool // offsets of the cells read through the pointers
}
