package census

import (
	"encoding/binary"

	"github.com/dbrescue/dbrescue/pagefile"
)

// findFreelist recognises freelist trunk pages by their content when the
// header cannot name the first one (page 1 destroyed, say): without it
// every page that was free would look like an orphan, and the stale rows
// of deleted data on freelist leaves would come back as if live. A trunk
// is a page nothing claimed and that is no b-tree page, whose first word
// names the next trunk (0 or a page of the file), whose second counts at
// least one leaf and at most what fits, followed by that many distinct
// page numbers of the file, none of them owned by a tree sqlite_master or
// the hint named (a page of the live database is never free). The trunks
// and the leaves they list are claimed as the freelist.
func (c *Census) findFreelist() {
	if h := c.File.Header; h != nil && h.Magic == pagefile.Magic && len(c.Freelist.Problems) == 0 {
		return // the header's freelist was read: it is the answer
	}
	count := uint32(len(c.Pages))
	maxLeaves := uint32(c.File.Usable()/4 - 2)
	buf := make([]byte, c.File.Geometry.PageSize)
	be := binary.BigEndian
	for i, p := range c.Pages {
		pgno := uint32(i + 1)
		if p.Class != Unknown || p.Tree >= 0 || c.File.ReadPage(pgno, buf) != nil {
			continue
		}
		next, n := be.Uint32(buf), be.Uint32(buf[4:])
		if next > count || n == 0 || n > maxLeaves {
			continue
		}
		leaves := make([]uint32, 0, n)
		seen := map[uint32]bool{pgno: true}
		for j := uint32(0); j < n; j++ {
			leaf := be.Uint32(buf[8+4*j:])
			if leaf < 2 || leaf > count || seen[leaf] || c.live(leaf) {
				leaves = nil
				break
			}
			seen[leaf] = true
			leaves = append(leaves, leaf)
		}
		if leaves == nil {
			continue
		}
		c.Pages[i].Class = FreelistTrunk
		c.Freelist.Trunks = append(c.Freelist.Trunks, pgno)
		for _, leaf := range leaves {
			lp := &c.Pages[leaf-1]
			lp.Class, lp.Tree = FreelistLeaf, -1
			c.Freelist.Leaves = append(c.Freelist.Leaves, leaf)
		}
	}
}

// live reports whether page pgno belongs to the live database: a tree a
// schema row or the hint names owns it, or it is a structural page.
func (c *Census) live(pgno uint32) bool {
	p := c.Pages[pgno-1]
	switch p.Class {
	case Ptrmap, LockByte, FreelistTrunk, FreelistLeaf:
		return true
	}
	return p.Tree >= 0 && c.Trees[p.Tree].From != FromOrphan && p.Class != Zero && p.Class != Unknown && p.Class != Unreadable
}
