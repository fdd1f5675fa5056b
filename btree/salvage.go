package btree

import (
	"encoding/binary"
	"sort"
)

// SalvagedCell is a cell of a leaf page found without trusting the page's
// header: through a cell pointer that still lands on a cell that decodes,
// or by carving the content area for bytes that decode as a cell.
type SalvagedCell struct {
	Offset      int   // page offset of the cell
	Size        int   // bytes the cell occupies on the page
	Rowid       int64 // table leaves only
	PayloadSize int64
	Local       []byte // the payload stored on the page (a slice of the page)
	Overflow    uint32 // first overflow page, 0 if none
	Carved      bool   // found by carving, not through a cell pointer
}

// Salvage finds the cells of a leaf page of type typ (TableLeaf or
// IndexLeaf) when its header may be damaged: a cell count that claims more
// cells than fit, a first freeblock out of range, a cell pointer array
// overwritten. Every cell pointer that lands on a cell that decodes is
// used; then the content area is carved, from the end of the page towards
// the header, for bytes that decode as a cell. A cell decodes when its
// varints, its record header (no reserved serial type) and the payload
// size it claims agree exactly, and it fits in the usable area; cells
// never overlap one another, and none lies inside the page's freeblocks
// (deleted data) as far as the freeblock chain can be read. When the
// header's start of the cell content area is plausible, nothing below it
// is used either: the unallocated space between the pointer array and the
// content area holds what defragmenting left behind, deleted data too.
// When fits is not nil, only cells it accepts are candidates: the caller
// knows the shape of the table's records, and bytes inside a real cell
// that decode as a cell of another shape then cannot crowd it out.
// The cells are returned in page order, highest offset first, as SQLite
// fills a page.
func Salvage(pgno uint32, data []byte, usable int, typ PageType, fits func(SalvagedCell) bool) []SalvagedCell {
	if !typ.Leaf() || usable > len(data) || usable < 480 {
		return nil
	}
	hdr := 0
	if pgno == 1 {
		hdr = 100
	}
	free := freeblocks(data, hdr, usable)
	floor := hdr + 8
	if start := int(binary.BigEndian.Uint16(data[hdr+5:])); start > floor && start < usable {
		floor = start
	}
	// freeBefore[i] counts the freeblock bytes before offset i, so that a
	// candidate's overlap with the freeblocks costs two lookups however
	// many freeblocks a hostile page chains.
	freeBefore := make([]int32, usable+1)
	for _, f := range free {
		for i := f.Offset; i < f.Offset+f.Size; i++ {
			freeBefore[i+1] = 1
		}
	}
	for i := 1; i <= usable; i++ {
		freeBefore[i] += freeBefore[i-1]
	}
	inFree := func(start, end int) bool { return freeBefore[min(end, usable)] != freeBefore[start] }
	// Every offset that decodes as a cell is a candidate; those a cell
	// pointer names are preferred. Then the set of candidates that do not
	// overlap and cover the most bytes wins: real cells tile the content
	// area, while bytes inside a real cell that happen to decode as a
	// cell cover less.
	pointed := map[int]bool{}
	for slot := hdr + 8; slot+2 <= usable && slot < floor; slot += 2 {
		if off := int(binary.BigEndian.Uint16(data[slot:])); off >= floor {
			pointed[off] = true
		}
	}
	var cands []SalvagedCell
	for off := floor; off+4 <= usable; off++ {
		c, ok := decodeLeafCell(data[:usable], off, typ, usable)
		if ok && !inFree(off, off+c.Size) && (fits == nil || fits(c)) {
			c.Carved = !pointed[off]
			cands = append(cands, c)
		}
	}
	cells := bestTiling(cands)
	sort.Slice(cells, func(i, j int) bool { return cells[i].Offset > cells[j].Offset })
	return cells
}

// bestTiling picks the non-overlapping cells covering the most bytes, a
// cell found through a pointer counting double (weighted interval
// scheduling over the candidates sorted by where they end).
func bestTiling(cands []SalvagedCell) []SalvagedCell {
	n := len(cands)
	if n == 0 {
		return nil
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Offset+cands[i].Size < cands[j].Offset+cands[j].Size })
	weight := func(c SalvagedCell) int {
		if c.Carved {
			return c.Size
		}
		return 2 * c.Size
	}
	best := make([]int, n+1) // best[i]: the best total over the first i candidates
	take := make([]bool, n+1)
	prev := make([]int, n+1)
	for i := 1; i <= n; i++ {
		c := cands[i-1]
		// How many candidates end at or before this one's start.
		p := sort.Search(i-1, func(k int) bool { return cands[k].Offset+cands[k].Size > c.Offset })
		prev[i] = p
		if with := best[p] + weight(c); with > best[i-1] {
			best[i], take[i] = with, true
		} else {
			best[i] = best[i-1]
		}
	}
	var out []SalvagedCell
	for i := n; i > 0; {
		if take[i] {
			out = append(out, cands[i-1])
			i = prev[i]
		} else {
			i--
		}
	}
	return out
}

// decodeLeafCell decodes the bytes at off of a page's usable area as a
// leaf cell of type typ and checks that they are one: varints whole, the
// record header's serial types valid and its sizes adding up exactly to
// the payload size, the cell inside the area.
func decodeLeafCell(area []byte, off int, typ PageType, usable int) (SalvagedCell, bool) {
	c := SalvagedCell{Offset: off}
	if off < 0 || off >= len(area) {
		return c, false
	}
	b := area[off:]
	size, n := Varint(b)
	if n == 0 || size == 0 || size > MaxPayload {
		return c, false
	}
	pos := n
	c.PayloadSize = int64(size)
	if typ == TableLeaf {
		v, n := Varint(b[pos:])
		if n == 0 {
			return c, false
		}
		c.Rowid, pos = int64(v), pos+n
	}
	local := LocalSize(typ, usable, c.PayloadSize)
	end := pos + local
	if int64(local) < c.PayloadSize {
		end += 4
	}
	if end > len(b) {
		return c, false
	}
	c.Local = b[pos : pos+local]
	if int64(local) < c.PayloadSize {
		if c.Overflow = binary.BigEndian.Uint32(b[pos+local:]); c.Overflow == 0 {
			return c, false
		}
	}
	if !recordFits(c.Local, c.PayloadSize) {
		return c, false
	}
	c.Size = max(end, 4)
	return c, true
}

// maxColumns is the most columns SQLite allows in a record (its hard limit
// for SQLITE_MAX_COLUMN).
const maxColumns = 32767

// recordFits reports whether local begins a record header whose serial
// types are valid and whose header and body sizes add up to exactly
// payload bytes. It stops as soon as they cannot, so that carving a page
// of hostile bytes costs little at each offset.
func recordFits(local []byte, payload int64) bool {
	h, n := Varint(local)
	if n == 0 || h <= uint64(n) || h > uint64(len(local)) || int64(h) > payload {
		return false
	}
	size := int64(h)
	cols := 0
	for pos := n; pos < int(h); {
		t, m := Varint(local[pos:h])
		if m == 0 || t == 10 || t == 11 {
			return false
		}
		if cols++; cols > maxColumns {
			return false
		}
		if size += SerialTypeSize(t); size > payload {
			return false
		}
		pos += m
	}
	return size == payload
}

// freeblocks reads a page's freeblock chain as far as it is sound: it must
// ascend inside the usable area with sizes of at least 4 bytes. A chain
// that breaks is cut where it breaks.
func freeblocks(data []byte, hdr, usable int) []Freeblock {
	if hdr+3 > len(data) {
		return nil
	}
	var out []Freeblock
	prev := hdr + 8
	for off := int(binary.BigEndian.Uint16(data[hdr+1:])); off != 0 && len(out) < usable/4; {
		if off < prev || off+4 > usable {
			break
		}
		next := int(binary.BigEndian.Uint16(data[off:]))
		size := int(binary.BigEndian.Uint16(data[off+2:]))
		if size < 4 || off+size > usable {
			break
		}
		out = append(out, Freeblock{Offset: off, Size: size})
		if next != 0 && next <= off+size {
			break
		}
		prev, off = off+size, next
	}
	return out
}
