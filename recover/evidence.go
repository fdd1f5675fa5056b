package recover

import (
	"strings"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// owner is what the metadata backups say owns a page: a table of the
// plan, or an index b-tree (whose entries are rebuilt, never copied).
type owner struct {
	t     *table
	index bool
}

// evidence indexes what the usable metadata backups say about pages, so
// that the decisions below look things up instead of searching.
type evidence struct {
	// byCRC maps the CRC32C of every leaf a metadata backup lists to its
	// owner (in owners). A CRC listed under two owners says nothing and
	// is absent.
	byCRC map[uint32]ownerID
	// byPage maps every page number a metadata backup lists (leaf or
	// interior) to its owner in the newest backup that lists it.
	byPage map[uint32]ownerID
	// owners are the distinct owners the maps name. The maps hold an
	// entry per listed page (a quarter of a million for a 1 GB file):
	// a small number each rather than the owner itself keeps them at
	// half the size.
	owners []owner
	// interior marks the pages the newest listing backup has as interior
	// pages of a rowid table: they hold no rows.
	interior map[uint32]bool
	// leafCRC and overflowCRC map leaf and overflow pages to their CRC in
	// the newest backup that lists them (overflow CRCs: format 2 on).
	leafCRC, overflowCRC map[uint32]uint32
	// overflowPage marks every overflow page a backup lists.
	overflowPage map[uint32]bool
}

// ownerID is an owner's place in evidence.owners.
type ownerID uint32

// crcOwner is the owner of the leaves whose CRC32C is crc, if the
// backups agree on one.
func (ev *evidence) crcOwner(crc uint32) (owner, bool) {
	id, ok := ev.byCRC[crc]
	if !ok {
		return owner{}, false
	}
	return ev.owners[id], true
}

// pageOwner is the owner the newest backup listing pgno gives it.
func (ev *evidence) pageOwner(pgno uint32) (owner, bool) {
	id, ok := ev.byPage[pgno]
	if !ok {
		return owner{}, false
	}
	return ev.owners[id], true
}

// gatherEvidence builds the indexes from the usable metadata backups,
// newest first.
func (r *repairer) gatherEvidence() {
	ev := &evidence{byCRC: map[uint32]ownerID{}, byPage: map[uint32]ownerID{}, interior: map[uint32]bool{},
		leafCRC: map[uint32]uint32{}, overflowCRC: map[uint32]uint32{}, overflowPage: map[uint32]bool{}}
	ambiguous := map[uint32]bool{}
	ids := map[owner]ownerID{}
	for _, e := range r.metas {
		for i := range e.m.Trees {
			tr := &e.m.Trees[i]
			for _, l := range tr.Leaves {
				if _, seen := ev.leafCRC[l.Pgno]; !seen {
					ev.leafCRC[l.Pgno] = l.CRC
				}
			}
			for j, p := range tr.Overflow {
				ev.overflowPage[p] = true
				if _, seen := ev.overflowCRC[p]; !seen && j < len(tr.OverflowCRCs) {
					ev.overflowCRC[p] = tr.OverflowCRCs[j]
				}
			}
			o, known := r.ownerOf(tr)
			if !known {
				continue
			}
			id, named := ids[o]
			if !named {
				id = ownerID(len(ev.owners))
				ids[o] = id
				ev.owners = append(ev.owners, o)
			}
			for _, l := range tr.Leaves {
				if prev, seen := ev.byCRC[l.CRC]; (seen && prev != id) || ambiguous[l.CRC] {
					delete(ev.byCRC, l.CRC)
					ambiguous[l.CRC] = true
				} else {
					ev.byCRC[l.CRC] = id
				}
				if _, seen := ev.byPage[l.Pgno]; !seen {
					ev.byPage[l.Pgno] = id
				}
			}
			for _, p := range tr.Interior {
				if _, seen := ev.byPage[p]; !seen {
					ev.byPage[p] = id
					ev.interior[p] = o.t != nil && !o.t.info.WithoutRowid
				}
			}
		}
	}
	r.ev = ev
}

// ownerOf maps a metadata backup's tree to the plan: a table the repair
// recreates, or an index b-tree. sqlite_master and trees of tables that
// could not be recreated are not known.
func (r *repairer) ownerOf(tr *master.Tree) (owner, bool) {
	name := strings.ToLower(tr.Name)
	if t := r.plan.byName[name]; t != nil && !t.Virtual {
		return owner{t: t}, true
	}
	if tr.Kind == master.TreeIndex && name != "sqlite_master" {
		return owner{index: true}, true
	}
	return owner{}, false
}

// ptrmapOwner follows an auto_vacuum database's pointer map from pgno up
// to a root page and returns what owns that root.
func (r *repairer) ptrmapOwner(pgno uint32) (owner, bool) {
	if !r.f.HasPtrmap() {
		return owner{}, false
	}
	for range 64 {
		e, err := r.f.Ptrmap(pgno)
		if err != nil {
			return owner{}, false
		}
		switch e.Type {
		case pagefile.PtrmapRootPage:
			if t := r.plan.byRoot[pgno]; t != nil {
				return owner{t: t}, true
			}
			if ct := r.cen.Owner(pgno); ct != nil && ct.Root == pgno && r.plan.indexes[strings.ToLower(ct.Name)] {
				return owner{index: true}, true
			}
			return owner{}, false
		case pagefile.PtrmapBtree:
			pgno = e.Parent
		default:
			return owner{}, false
		}
	}
	return owner{}, false
}
