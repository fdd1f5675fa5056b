package btree

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// Freeblock is one block on a page's freeblock chain.
type Freeblock struct {
	Offset int
	Size   int
}

// Space accounts for every byte of a page's cell content area.
type Space struct {
	Gap            int // unallocated bytes between the cell pointer array and the content area
	CellBytes      int // bytes occupied by cells that parsed
	Freeblocks     []Freeblock
	FreeblockBytes int
	Fragmented     int // the header's count of fragmented bytes
	BadCells       []error
}

// Free is the number of bytes SQLite would consider free on the page.
func (s *Space) Free() int { return s.Gap + s.FreeblockBytes + s.Fragmented }

// Space walks the freeblock chain and the cells and accounts for the content
// area. The freeblock chain must ascend without overlap inside the content
// area (which also bounds its length). It returns an error when the chain is
// broken, when cells or freeblocks overlap, or when cells, freeblocks and
// fragments do not add up to the size of the content area. Cells that do
// not parse are listed in BadCells and make the accounting fail.
func (p *Page) Space() (*Space, error) {
	s := &Space{Fragmented: p.Fragmented}
	if p.CellCount > 0 || p.ContentStart <= p.Usable {
		s.Gap = max(0, p.ContentStart-p.CellPointerEnd())
	}
	type extent struct{ start, end int }
	var extents []extent
	prevEnd := p.ContentStart
	for off := p.FirstFreeblock; off != 0; {
		if off < prevEnd || off+4 > p.Usable {
			return s, corrupt(p.Pgno, int64(off), ErrOutOfRange, "freeblock at %d overlaps the previous one or leaves the content area [%d, %d)", off, prevEnd, p.Usable)
		}
		next := int(binary.BigEndian.Uint16(p.Data[off:]))
		size := int(binary.BigEndian.Uint16(p.Data[off+2:]))
		if size < 4 || off+size > p.Usable {
			return s, corrupt(p.Pgno, int64(off+2), ErrBadValue, "freeblock at %d has size %d", off, size)
		}
		s.Freeblocks = append(s.Freeblocks, Freeblock{Offset: off, Size: size})
		s.FreeblockBytes += size
		extents = append(extents, extent{off, off + size})
		if next != 0 && next <= off+size {
			return s, corrupt(p.Pgno, int64(off), ErrLoop, "freeblock chain does not ascend: %d follows %d", next, off)
		}
		prevEnd, off = off+size, next
	}
	extents = slices.Grow(extents, p.CellCount)
	var c Cell
	for i := 0; i < p.CellCount; i++ {
		if err := p.ReadCell(i, &c); err != nil {
			s.BadCells = append(s.BadCells, err)
			continue
		}
		s.CellBytes += c.Size
		extents = append(extents, extent{c.Offset, c.Offset + c.Size})
	}
	if len(s.BadCells) > 0 {
		return s, s.BadCells[0]
	}
	// SQLite fills the content area from its end, so the cells usually
	// come in descending order: pdqsort finds that pattern quickly.
	slices.SortFunc(extents, func(a, b extent) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(extents); i++ {
		if extents[i].start < extents[i-1].end {
			return s, corrupt(p.Pgno, int64(extents[i].start), ErrBadValue, "cell or freeblock at %d overlaps the one at %d", extents[i].start, extents[i-1].start)
		}
	}
	if len(extents) > 0 && extents[0].start < p.ContentStart {
		return s, corrupt(p.Pgno, int64(extents[0].start), ErrOutOfRange, "cell at %d lies before the content area start %d", extents[0].start, p.ContentStart)
	}
	area := max(0, p.Usable-p.ContentStart)
	if used := s.CellBytes + s.FreeblockBytes + s.Fragmented; used != area {
		return s, corrupt(p.Pgno, int64(p.HeaderOffset+5), ErrBadValue, "cells (%d), freeblocks (%d) and fragments (%d) add up to %d bytes, the content area holds %d",
			s.CellBytes, s.FreeblockBytes, s.Fragmented, used, area)
	}
	return s, nil
}

// Validate reports whether the page is a fully consistent b-tree page: its
// header, every cell and the space accounting all check out.
func (p *Page) Validate() error {
	_, err := p.Space()
	return err
}
