package btree

import (
	"encoding/binary"
	"fmt"

	"github.com/dbrescue/dbrescue/pagefile"
)

// PageType is the first byte of a b-tree page header.
type PageType byte

// The four b-tree page types.
const (
	IndexInterior PageType = 0x02
	TableInterior PageType = 0x05
	IndexLeaf     PageType = 0x0a
	TableLeaf     PageType = 0x0d
)

// Valid reports whether t is one of the four b-tree page types.
func (t PageType) Valid() bool {
	return t == IndexInterior || t == TableInterior || t == IndexLeaf || t == TableLeaf
}

// Leaf reports whether t is a leaf type.
func (t PageType) Leaf() bool { return t == IndexLeaf || t == TableLeaf }

// Table reports whether t belongs to a table (rowid) b-tree.
func (t PageType) Table() bool { return t == TableLeaf || t == TableInterior }

func (t PageType) String() string {
	switch t {
	case IndexInterior:
		return "index-interior"
	case TableInterior:
		return "table-interior"
	case IndexLeaf:
		return "index-leaf"
	case TableLeaf:
		return "table-leaf"
	}
	return fmt.Sprintf("type-%#02x", byte(t))
}

// MarshalText names the type in JSON.
func (t PageType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Page is a parsed b-tree page header over a page image. Data is the whole
// page; HeaderOffset is 100 on page 1 (after the database header) and 0
// elsewhere; cell offsets are page-relative either way.
type Page struct {
	Pgno           uint32
	Data           []byte `json:"-"`
	Usable         int
	HeaderOffset   int
	Type           PageType
	FirstFreeblock int
	CellCount      int
	ContentStart   int // start of the cell content area; the stored 0 means 65536
	Fragmented     int
	RightChild     uint32 // interior pages only
}

// HeaderSize is 12 for interior pages and 8 for leaves.
func (p *Page) HeaderSize() int {
	if p.Type.Leaf() {
		return 8
	}
	return 12
}

// CellPointerEnd is the offset just past the cell pointer array.
func (p *Page) CellPointerEnd() int {
	return p.HeaderOffset + p.HeaderSize() + 2*p.CellCount
}

// ParsePage decodes the b-tree page header of data, page pgno, whose usable
// size is usable bytes. It checks the type, that the cell pointer array fits
// and that the content area starts inside the usable part of the page. It
// does not parse cells (see Cell) or account space (see Space).
func ParsePage(pgno uint32, data []byte, usable int) (*Page, error) {
	hdr := 0
	if pgno == 1 {
		hdr = pagefile.HeaderSize
	}
	if usable < 480 || usable > len(data) {
		return nil, corrupt(pgno, 0, ErrBadValue, "usable size %d does not fit a %d-byte page", usable, len(data))
	}
	p := &Page{Pgno: pgno, Data: data, Usable: usable, HeaderOffset: hdr, Type: PageType(data[hdr])}
	if !p.Type.Valid() {
		return nil, corrupt(pgno, int64(hdr), ErrBadValue, "byte %#02x is not a b-tree page type", data[hdr])
	}
	p.FirstFreeblock = int(binary.BigEndian.Uint16(data[hdr+1:]))
	p.CellCount = int(binary.BigEndian.Uint16(data[hdr+3:]))
	p.ContentStart = int(binary.BigEndian.Uint16(data[hdr+5:]))
	if p.ContentStart == 0 {
		p.ContentStart = 65536
	}
	p.Fragmented = int(data[hdr+7])
	if !p.Type.Leaf() {
		p.RightChild = binary.BigEndian.Uint32(data[hdr+8:])
		if p.RightChild == 0 {
			return nil, corrupt(pgno, int64(hdr+8), ErrBadValue, "interior page has right child 0")
		}
	}
	if end := p.CellPointerEnd(); end > usable {
		return nil, corrupt(pgno, int64(hdr+3), ErrOutOfRange, "%d cell pointers end at %d, past the usable size %d", p.CellCount, end, usable)
	}
	if p.ContentStart > usable || (p.CellCount > 0 && p.ContentStart < p.CellPointerEnd()) {
		return nil, corrupt(pgno, int64(hdr+5), ErrOutOfRange, "cell content area starts at %d, outside [%d, %d]", p.ContentStart, p.CellPointerEnd(), usable)
	}
	if p.FirstFreeblock != 0 && (p.FirstFreeblock < p.ContentStart || p.FirstFreeblock > usable-4) {
		return nil, corrupt(pgno, int64(hdr+1), ErrOutOfRange, "first freeblock at %d, outside the content area [%d, %d]", p.FirstFreeblock, p.ContentStart, usable-4)
	}
	return p, nil
}

// CellOffset returns the page offset of cell i from the cell pointer array.
func (p *Page) CellOffset(i int) (int, error) {
	if i < 0 || i >= p.CellCount {
		return 0, corrupt(p.Pgno, 0, ErrOutOfRange, "cell %d of %d", i, p.CellCount)
	}
	at := p.HeaderOffset + p.HeaderSize() + 2*i
	off := int(binary.BigEndian.Uint16(p.Data[at:]))
	if off < p.CellPointerEnd() || off >= p.Usable {
		return 0, corrupt(p.Pgno, int64(at), ErrOutOfRange, "cell %d pointer %d outside the content area [%d, %d)", i, off, p.CellPointerEnd(), p.Usable)
	}
	return off, nil
}
