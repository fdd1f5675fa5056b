package bulk

import (
	"encoding/binary"
	"io"
	"slices"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// An auto_vacuum database keeps a pointer map: for every page, what it is
// and which page points at it, so that SQLite can move pages. The builder
// notes the entry of every page it writes, as it writes the page that
// points at it (a cell may move to another page before that), and writes
// the pointer-map pages on Close, reading those SQLite wrote first.

type ptrEntry struct {
	kind   byte
	parent uint32
}

// isPtrmapPage reports whether pgno is a pointer-map page of the file.
func (f *File) isPtrmapPage(pgno uint32) bool {
	return f.ptrmap && pgno >= 2 && pagefile.PtrmapPageFor(pgno, f.geometry()) == pgno
}

func (f *File) geometry() pagefile.Geometry {
	return pagefile.Geometry{PageSize: f.pageSize, Reserved: f.pageSize - f.usable}
}

// setPtr notes the pointer-map entry of page pgno.
func (f *File) setPtr(pgno uint32, kind byte, parent uint32) {
	if !f.ptrmap || pgno == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ptrs[pgno] = ptrEntry{kind, parent}
}

// notePointers notes the entries of what a page points at: its children
// (interior pages) and the first page of each cell's overflow chain.
func (f *File) notePointers(pgno uint32, kind btree.PageType, c *cells, right uint32) {
	if !f.ptrmap {
		return
	}
	for i := 0; i < c.n(); i++ {
		cell := c.cell(i)
		if !kind.Leaf() {
			f.setPtr(binary.BigEndian.Uint32(cell), pagefile.PtrmapBtree, pgno)
		}
		if ov := cellOverflow(kind, cell, f.usable); ov != 0 {
			f.setPtr(ov, pagefile.PtrmapOverflow1, pgno)
		}
	}
	if !kind.Leaf() {
		f.setPtr(right, pagefile.PtrmapBtree, pgno)
	}
}

// cellOverflow is the first overflow page of a cell the builder made, or 0:
// the reader's spill rule says where the pointer is.
func cellOverflow(kind btree.PageType, cell []byte, usable int) uint32 {
	b := cell
	switch kind {
	case btree.TableInterior:
		return 0
	case btree.IndexInterior:
		b = b[4:]
	}
	size, n := btree.Varint(b)
	b = b[n:]
	if kind == btree.TableLeaf {
		_, n = btree.Varint(b)
		b = b[n:]
	}
	local := btree.LocalSize(kind, usable, int64(size))
	if int64(local) == int64(size) {
		return 0
	}
	return binary.BigEndian.Uint32(b[local:])
}

// writePtrmap writes every pointer-map page holding an entry the builder
// noted, over what SQLite wrote there.
func (f *File) writePtrmap(freed []uint32) error {
	if !f.ptrmap {
		return nil
	}
	for _, p := range freed {
		f.setPtr(p, pagefile.PtrmapFreePage, 0)
	}
	g := f.geometry()
	byMap := map[uint32][]uint32{}
	for pgno := range f.ptrs {
		mp := pagefile.PtrmapPageFor(pgno, g)
		byMap[mp] = append(byMap[mp], pgno)
	}
	maps := make([]uint32, 0, len(byMap))
	for mp := range byMap {
		maps = append(maps, mp)
	}
	slices.Sort(maps)
	for _, mp := range maps {
		buf := f.getPage()
		if mp <= f.oldCount {
			if _, err := f.f.ReadAt(buf, int64(mp-1)*int64(f.pageSize)); err != nil && err != io.EOF {
				return err
			}
		}
		for _, pgno := range byMap[mp] {
			e := f.ptrs[pgno]
			off := 5 * int(pgno-mp-1)
			buf[off] = e.kind
			binary.BigEndian.PutUint32(buf[off+1:], e.parent)
		}
		if err := f.writePage(mp, buf); err != nil {
			return err
		}
	}
	return nil
}
