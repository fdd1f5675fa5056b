package btree

import (
	"encoding/binary"
)

// MaxPayload is the largest payload SQLite can store (2^31 - 1 bytes); a
// cell that claims more is corrupt.
const MaxPayload = 1<<31 - 1

// Cell is one decoded cell. Local is the part of the payload stored on the
// page (a slice of the page image); when the payload spills, Overflow is the
// first overflow page and PayloadSize counts the whole payload.
type Cell struct {
	Index       int
	Offset      int
	Size        int    // bytes the cell occupies on the page
	LeftChild   uint32 // interior cells
	Rowid       int64  // table cells
	PayloadSize int64  // leaf and index cells
	Local       []byte `json:"-"`
	Overflow    uint32
}

// MaxLocal is X, the largest payload stored entirely on a page: U-35 for
// table leaves, ((U-12)*64/255)-23 for index pages.
func MaxLocal(t PageType, usable int) int {
	if t.Table() {
		return usable - 35
	}
	return (usable-12)*64/255 - 23
}

// MinLocal is M, the smallest local part of a payload that spills.
func MinLocal(usable int) int { return (usable-12)*32/255 - 23 }

// LocalSize is how many of a payload's size bytes are stored on the page:
// all of them if they fit in X, else K = M+((P-M) mod (U-4)) if K fits in X,
// else M.
func LocalSize(t PageType, usable int, size int64) int {
	x := MaxLocal(t, usable)
	if size <= int64(x) {
		return int(size)
	}
	m := MinLocal(usable)
	k := int64(m) + (size-int64(m))%int64(usable-4)
	if k <= int64(x) {
		return int(k)
	}
	return m
}

// Cell decodes cell i of the page.
func (p *Page) Cell(i int) (*Cell, error) {
	c := new(Cell)
	if err := p.ReadCell(i, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadCell decodes cell i of the page into c, which a caller reading
// millions of cells reuses rather than allocating one per cell.
func (p *Page) ReadCell(i int, c *Cell) error {
	off, err := p.CellOffset(i)
	if err != nil {
		return err
	}
	*c = Cell{Index: i, Offset: off}
	b := p.Data[off:p.Usable]
	pos := 0
	bad := func(reason string, args ...any) error {
		return corrupt(p.Pgno, int64(off+pos), ErrBadValue, "cell %d: "+reason, append([]any{i}, args...)...)
	}
	if !p.Type.Leaf() {
		if len(b) < 4 {
			return bad("left child pointer runs past the usable size")
		}
		c.LeftChild = binary.BigEndian.Uint32(b)
		if c.LeftChild == 0 {
			return bad("left child is page 0")
		}
		pos = 4
	}
	if p.Type == TableInterior {
		v, n := Varint(b[pos:])
		if n == 0 {
			return bad("rowid varint runs past the usable size")
		}
		c.Rowid = int64(v)
		pos += n
		c.Size = pos
		return nil
	}
	size, n := Varint(b[pos:])
	if n == 0 {
		return bad("payload size varint runs past the usable size")
	}
	pos += n
	if size > MaxPayload {
		return bad("payload size %d exceeds the maximum %d", size, MaxPayload)
	}
	c.PayloadSize = int64(size)
	if p.Type == TableLeaf {
		v, n := Varint(b[pos:])
		if n == 0 {
			return bad("rowid varint runs past the usable size")
		}
		c.Rowid = int64(v)
		pos += n
	}
	local := LocalSize(p.Type, p.Usable, c.PayloadSize)
	end := pos + local
	if int64(local) < c.PayloadSize {
		end += 4
	}
	if end > len(b) {
		return bad("payload of %d bytes (%d local) runs past the usable size", c.PayloadSize, local)
	}
	c.Local = b[pos : pos+local]
	if int64(local) < c.PayloadSize {
		c.Overflow = binary.BigEndian.Uint32(b[pos+local:])
		if c.Overflow == 0 {
			return bad("payload spills but the first overflow page is 0")
		}
	}
	c.Size = end
	if c.Size < 4 {
		c.Size = 4 // SQLite never allocates a cell smaller than 4 bytes
	}
	return nil
}
