package corpus

import (
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
)

// Pointer damage: one four-byte page number made wrong, so a chain or a
// tree loops back on itself or ends early. A reader without cycle guards
// hangs on these; one with guards must still get everything else.
func registerChainKinds() {
	register(KindInfo{Kind: OverflowLoop, Summary: "point a page of an overflow chain back at itself or an earlier page of the chain"}, overflowLoop)
	register(KindInfo{Kind: OverflowCut, Summary: "end an overflow chain early: a middle page's next pointer set to 0"}, overflowCut)
	register(KindInfo{Kind: BtreeLoop, Summary: "point a child pointer of an interior page at an ancestor (the root)"}, btreeLoop)
	register(KindInfo{Kind: FreelistLoop, Summary: "point the last freelist trunk page back at the first (SQLite, which counts freelist pages, does not notice)"}, freelistLoop)
}

// chainPage draws an overflow chain of an application table with two pages
// or more, and in it a page that is not the last (whose next pointer a
// reader follows), which becomes the target.
func (o *op) chainPage() (chain []uint32, table string, k int, err error) {
	var chains [][]uint32
	var tables []string
	for _, tr := range o.layout().userTrees() {
		for _, c := range tr.Chains {
			if len(c) >= 2 {
				chains = append(chains, c)
				tables = append(tables, tr.Name)
			}
		}
	}
	if len(chains) == 0 {
		return nil, "", 0, noTarget("no overflow chain of two pages or more")
	}
	i := o.rng.IntN(len(chains))
	chain, table = chains[i], tables[i]
	k = o.rng.IntN(len(chain) - 1)
	o.dmg.Targets = []uint32{chain[k]}
	return chain, table, k, nil
}

// setNext writes an overflow or freelist trunk page's next pointer (its
// first four bytes).
func (o *op) setNext(pg, next uint32) {
	be.PutUint32(o.im.page(pg), next)
}

// overflowLoop makes a page of an overflow chain that is not the last
// point back at itself or an earlier page of the chain. (The last page's
// pointer is never followed: a reader stops when the payload is complete.)
// A reader following the chain for the payload's length meets a page twice.
func overflowLoop(o *op) error {
	c, table, k, err := o.chainPage()
	if err != nil {
		return err
	}
	j := o.rng.IntN(k + 1)
	o.setNext(c[k], c[j])
	o.dmg.Summary = fmt.Sprintf("overflow chain %s of table %s: page %d now points back at page %d", damagePages.Format(c), table, c[k], c[j])
	return nil
}

func overflowCut(o *op) error {
	c, table, k, err := o.chainPage()
	if err != nil {
		return err
	}
	o.setNext(c[k], 0)
	o.dmg.Summary = fmt.Sprintf("overflow chain %s of table %s cut after page %d (%d of %d pages still reachable)", damagePages.Format(c), table, c[k], k+1, len(c))
	return nil
}

// btreeLoop picks an interior page of an application table and makes one
// of its child pointers (a cell's left child or the right child) point at
// the tree's root, an ancestor of every page: a descent from the root comes
// back to it.
func btreeLoop(o *op) error {
	type interior struct {
		pgno, root uint32
		name       string
	}
	var pages []interior
	for _, tr := range o.layout().userTrees() {
		for _, v := range tr.Pages {
			if !v.Type.Leaf() && o.im.has(v.Pgno) {
				pages = append(pages, interior{v.Pgno, tr.Root, tr.Name})
			}
		}
	}
	if len(pages) == 0 {
		return noTarget("no interior page")
	}
	in := pick(o.rng, pages)
	data := o.im.page(in.pgno)
	p, err := btree.ParsePage(in.pgno, data, o.im.geom.Usable())
	if err != nil {
		return noTarget("interior page %d does not parse: %v", in.pgno, err)
	}
	slot := o.rng.IntN(p.CellCount + 1)
	at := p.HeaderOffset + 8 // the right child
	if slot < p.CellCount {
		if at, err = p.CellOffset(slot); err != nil {
			return noTarget("interior page %d: %v", in.pgno, err)
		}
	}
	be.PutUint32(data[at:], in.root)
	o.dmg.Targets = []uint32{in.pgno}
	which := "right child"
	if slot < p.CellCount {
		which = fmt.Sprintf("cell %d's left child", slot)
	}
	o.dmg.Summary = fmt.Sprintf("interior page %d of table %s: %s now points at the root page %d", in.pgno, in.name, which, in.root)
	return nil
}

func freelistLoop(o *op) error {
	fl := o.layout().Freelist
	if len(fl.Trunks) == 0 {
		return noTarget("the freelist is empty")
	}
	first, last := fl.Trunks[0], fl.Trunks[len(fl.Trunks)-1]
	if !o.im.has(last) {
		return noTarget("freelist trunk %d is not in the file", last)
	}
	o.setNext(last, first)
	o.dmg.Targets = []uint32{last}
	o.dmg.Summary = fmt.Sprintf("freelist trunk %d (last of %d) now points back at trunk %d", last, len(fl.Trunks), first)
	return nil
}
