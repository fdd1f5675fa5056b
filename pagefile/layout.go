package pagefile

import "encoding/binary"

// lockByteOffset is where the lock-byte page starts: SQLite's PENDING_BYTE.
const lockByteOffset = 1 << 30

// LockBytePage is the page holding file offset 1 GiB, which SQLite never
// uses for data. For a file smaller than 1 GiB it is beyond the last page.
func LockBytePage(pageSize int) uint32 {
	if pageSize <= 0 {
		return 0
	}
	return uint32(lockByteOffset/pageSize) + 1
}

// Pointer-map entry types.
const (
	PtrmapRootPage  = 1 // a b-tree root; parent is 0
	PtrmapFreePage  = 2 // on the freelist; parent is 0
	PtrmapOverflow1 = 3 // first page of an overflow chain; parent is the b-tree page
	PtrmapOverflow2 = 4 // later overflow page; parent is the previous overflow page
	PtrmapBtree     = 5 // non-root b-tree page; parent is its parent page
)

// PtrmapEntry is one pointer-map entry: the type of a page and its parent.
type PtrmapEntry struct {
	Type   byte
	Parent uint32
}

// PtrmapPageFor returns the pointer-map page that holds the entry for pgno
// in a database with the given geometry (as SQLite's ptrmapPageno does).
func PtrmapPageFor(pgno uint32, g Geometry) uint32 {
	if pgno < 2 || g.Usable() < 5 {
		return 0
	}
	perMap := uint32(g.Usable()/5) + 1
	idx := (pgno - 2) / perMap
	ret := idx*perMap + 2
	if ret == LockBytePage(g.PageSize) {
		ret++
	}
	return ret
}

// HasPtrmap reports whether the database keeps pointer-map pages
// (auto_vacuum full or incremental), as the header says.
func (f *File) HasPtrmap() bool { return f.Header.LargestRootPage != 0 }

// IsPtrmapPage reports whether pgno is a pointer-map page of f. It is
// always false when the database has no pointer map.
func (f *File) IsPtrmapPage(pgno uint32) bool {
	return f.HasPtrmap() && pgno >= 2 && PtrmapPageFor(pgno, f.Geometry) == pgno
}

// IsLockBytePage reports whether pgno is the lock-byte page.
func (f *File) IsLockBytePage(pgno uint32) bool {
	return pgno == LockBytePage(f.Geometry.PageSize)
}

// Ptrmap reads the pointer-map entry for pgno.
func (f *File) Ptrmap(pgno uint32) (PtrmapEntry, error) {
	mp := PtrmapPageFor(pgno, f.Geometry)
	// The map page itself has no entry, and neither has the lock-byte page
	// when the map page that would cover it moved past it (mp > pgno).
	if !f.HasPtrmap() || mp == 0 || mp >= pgno || f.IsLockBytePage(pgno) {
		return PtrmapEntry{}, Corrupt(pgno, 0, ErrBadValue, "page %d has no pointer-map entry", pgno)
	}
	buf, err := f.Page(mp)
	if err != nil {
		return PtrmapEntry{}, err
	}
	off := 5 * int(pgno-mp-1)
	if off+5 > f.Usable() {
		return PtrmapEntry{}, Corrupt(mp, int64(off), ErrOutOfRange, "pointer-map entry for page %d beyond the usable size", pgno)
	}
	e := PtrmapEntry{Type: buf[off], Parent: binary.BigEndian.Uint32(buf[off+1:])}
	if e.Type < PtrmapRootPage || e.Type > PtrmapBtree {
		return e, Corrupt(mp, int64(off), ErrBadValue, "pointer-map entry for page %d has type %d", pgno, e.Type)
	}
	return e, nil
}

// PtrmapEntryAt is one entry of a pointer-map page, with the page it is
// for.
type PtrmapEntryAt struct {
	Pgno uint32
	PtrmapEntry
}

// ParsePtrmapPage decodes the entries of pointer-map page pgno, whose image
// is page: one entry of 5 bytes for each following page, up to the last
// page (count) or the end of the usable area.
func ParsePtrmapPage(pgno uint32, page []byte, usable int, count uint32) []PtrmapEntryAt {
	var out []PtrmapEntryAt
	for i := 0; 5*i+5 <= min(usable, len(page)); i++ {
		p := pgno + 1 + uint32(i)
		if p > count || p < pgno {
			break
		}
		out = append(out, PtrmapEntryAt{Pgno: p, PtrmapEntry: PtrmapEntry{Type: page[5*i], Parent: binary.BigEndian.Uint32(page[5*i+1:])}})
	}
	return out
}

// PtrmapTypeName names a pointer-map entry type.
func PtrmapTypeName(t byte) string {
	switch t {
	case PtrmapRootPage:
		return "root"
	case PtrmapFreePage:
		return "free"
	case PtrmapOverflow1:
		return "overflow-first"
	case PtrmapOverflow2:
		return "overflow-next"
	case PtrmapBtree:
		return "btree"
	}
	return "invalid"
}
