package master

import (
	"encoding/binary"
	"fmt"
)

// encodeTree writes one tree's page lists and, when counts is set (format
// version 2), the counts and overflow CRCs that let a repair tell what it
// lost; see doc.go.
func encodeTree(e *encoder, t *Tree, counts bool) {
	e.str(t.Name)
	e.uint(uint64(t.Root))
	e.str(t.Kind)
	e.pages(t.Interior)
	leaves := make([]uint32, len(t.Leaves))
	for i, l := range t.Leaves {
		leaves[i] = l.Pgno
	}
	e.pages(leaves)
	for _, l := range t.Leaves {
		e.b = binary.BigEndian.AppendUint32(e.b, l.CRC)
	}
	if counts {
		for _, l := range t.Leaves {
			e.uint(uint64(l.Cells))
		}
	}
	e.pages(t.Overflow)
	if counts {
		e.uint(uint64(len(t.OverflowCRCs)))
		for _, c := range t.OverflowCRCs {
			e.b = binary.BigEndian.AppendUint32(e.b, c)
		}
		e.uint(uint64(t.Entries))
	}
}

// decodeTree reads what encodeTree wrote. A cell count is bounded by what
// a page can hold (every cell takes at least 4 bytes), and a tree's entry
// count by the cells its pages can hold: its leaf cells plus, for an index,
// a full page of cells on each interior page.
func decodeTree(d *decoder, h *Header, counts bool) Tree {
	t := Tree{Name: d.str(), Root: d.u32(), Kind: d.str()}
	if d.err == nil && t.Kind != TreeTable && t.Kind != TreeIndex {
		d.fail("tree %q kind %q", t.Name, t.Kind)
	}
	checkPage(d, h, t.Root, false)
	t.Interior = d.pages()
	leaves := d.pages()
	crcs := d.raw(4 * len(leaves))
	if d.err == nil {
		t.Leaves = make([]Leaf, len(leaves))
		for i, p := range leaves {
			t.Leaves[i] = Leaf{Pgno: p, CRC: binary.BigEndian.Uint32(crcs[4*i:])}
		}
	}
	perPage := maxCells(h)
	var cells int64
	if counts {
		for i := range t.Leaves {
			if n := d.uint(); d.err == nil && n > uint64(perPage) {
				d.fail("tree %q leaf %d claims %d cells, a page holds at most %d", t.Name, t.Leaves[i].Pgno, n, perPage)
			} else {
				t.Leaves[i].Cells = int(n)
				cells += int64(n)
			}
		}
	}
	t.Overflow = d.pages()
	if counts {
		if n := d.count(4); d.err == nil && n != len(t.Overflow) {
			d.fail("tree %q has %d overflow pages and %d overflow CRCs", t.Name, len(t.Overflow), n)
		}
		if b := d.raw(4 * len(t.Overflow)); d.err == nil && len(b) > 0 {
			t.OverflowCRCs = make([]uint32, len(t.Overflow))
			for i := range t.OverflowCRCs {
				t.OverflowCRCs[i] = binary.BigEndian.Uint32(b[4*i:])
			}
		}
		// At most 2^30 pages (the body limit) of 2^14 cells: no overflow.
		limit := cells + int64(len(t.Interior))*int64(perPage)
		if n := d.uint(); d.err == nil && n > uint64(limit) {
			d.fail("tree %q claims %d entries, its pages hold at most %d", t.Name, n, limit)
		} else {
			t.Entries = int64(n)
		}
	}
	for _, list := range [][]uint32{t.Interior, leaves, t.Overflow} {
		for _, p := range list {
			checkPage(d, h, p, false)
		}
	}
	return t
}

// maxCells bounds the cells one page can hold: each takes at least 4 bytes
// of content (SQLite pads smaller ones), before its 2-byte pointer.
func maxCells(h *Header) int { return h.PageSize / 4 }

// checkCounts refuses to encode counts the format cannot carry: counts
// set while Meta.Counts says there are none (they would be dropped), an
// overflow CRC list that is not parallel to the overflow list, a negative
// count. Such a Meta would not read back as written.
func checkCounts(m *Meta) error {
	for _, t := range m.Trees {
		if !m.Counts {
			if len(t.OverflowCRCs) > 0 || t.Entries != 0 || hasCells(t.Leaves) {
				return fmt.Errorf("master: tree %q has counts but the backup's Counts is false", t.Name)
			}
			continue
		}
		if len(t.OverflowCRCs) != len(t.Overflow) {
			return fmt.Errorf("master: tree %q has %d overflow pages and %d overflow CRCs", t.Name, len(t.Overflow), len(t.OverflowCRCs))
		}
		if t.Entries < 0 {
			return fmt.Errorf("master: tree %q has %d entries", t.Name, t.Entries)
		}
		for _, l := range t.Leaves {
			if l.Cells < 0 {
				return fmt.Errorf("master: tree %q leaf %d has %d cells", t.Name, l.Pgno, l.Cells)
			}
		}
	}
	return nil
}

func hasCells(leaves []Leaf) bool {
	for _, l := range leaves {
		if l.Cells != 0 {
			return true
		}
	}
	return false
}
