package btree

// DeletedRecord is a record found in the free space of a leaf page: a
// freeblock (a deleted cell, whose first 4 bytes SQLite overwrote with
// the freeblock's own header) or the unallocated space between the cell
// pointer array and the cell content area (cells left behind when SQLite
// defragmented the page).
type DeletedRecord struct {
	Offset int    // page offset of the record header
	Record []byte // the record, header and body (a slice of the page)
	// Rowid is the cell's rowid when the whole cell survived (a table
	// leaf's cell in unallocated space); HasRowid says whether it did.
	Rowid    int64
	HasRowid bool
	Area     string // AreaFreeblock or AreaUnallocated
}

// Where a deleted record was found.
const (
	AreaFreeblock   = "freeblock"
	AreaUnallocated = "unallocated"
)

// Unallocated finds the records left in the unallocated space of a leaf
// page (between the cell pointer array and the cell content area), where
// SQLite leaves the old copies of cells when it defragments a page: the
// whole cells that survived, with their rowid. The page's header must
// parse and its space add up (on a page whose header lies, free and live
// space cannot be told apart). Cells never overlap, and of overlapping
// candidates the ones covering the most bytes win (as in Salvage). What a record belongs to, the caller
// decides. Deleted cells in freeblocks lost their first bytes: see
// DeletedShaped.
func Unallocated(p *Page) []DeletedRecord { return UnallocatedWhere(p, nil) }

// UnallocatedWhere is Unallocated keeping only the candidates whose record
// valid accepts (nil: all), before overlapping candidates are weighed, so
// that noise that is no record of the kind wanted cannot crowd out one
// that is.
func UnallocatedWhere(p *Page, valid func(record []byte) bool) []DeletedRecord {
	if leafSpace(p) == nil {
		return nil
	}
	gapStart, gapEnd := p.CellPointerEnd(), min(p.ContentStart, p.Usable)
	if gapEnd <= gapStart {
		return nil
	}
	return carveArea(p, gapStart, gapEnd, AreaUnallocated, valid)
}

// FreeblockCells finds the whole cells inside the freeblocks of leaf p,
// past each freeblock's 4-byte header. A deleted cell lost its first
// bytes to that header (see DeletedShaped); what lies whole behind it is
// a cell written into free space by a write the page then lost: a lost
// write puts back an older image of the page, whose freeblocks cover the
// cells the newer image had placed there. valid filters the candidates as
// in UnallocatedWhere.
func FreeblockCells(p *Page, valid func(record []byte) bool) []DeletedRecord {
	sp := leafSpace(p)
	if sp == nil {
		return nil
	}
	var out []DeletedRecord
	for _, f := range sp.Freeblocks {
		if f.Size > 4 {
			out = append(out, carveArea(p, f.Offset+4, f.Offset+f.Size, AreaFreeblock, valid)...)
		}
	}
	return out
}

// carveArea finds the whole cells in [start, end) of p: their payload
// size agreeing exactly with their record is what tells them from noise
// (a bare record in zero-filled space decodes too easily to be trusted).
// valid, when set, filters the candidates before the best tiling is
// chosen, so that noise that is no record of the kind wanted cannot
// crowd out one that is.
func carveArea(p *Page, start, end int, area string, valid func([]byte) bool) []DeletedRecord {
	var cands []SalvagedCell
	for off := start; off+2 <= end; off++ {
		if c, ok := decodeLeafCell(p.Data[:end], off, p.Type, p.Usable); ok && c.Overflow == 0 && (valid == nil || valid(c.Local)) {
			cands = append(cands, c)
		}
	}
	var out []DeletedRecord
	for _, c := range bestTiling(cands) {
		out = append(out, DeletedRecord{Offset: c.Offset + c.Size - len(c.Local), Record: c.Local, Rowid: c.Rowid, HasRowid: p.Type == TableLeaf, Area: area})
	}
	return out
}

// Shape describes the records a caller looks for in a page's freeblocks,
// whose cells lost their first 4 bytes to the freeblock's header: the
// cell's payload size, its rowid and often the start of the record header
// are gone. With the number of fields the record must have and, for the
// leading fields whose serial type was overwritten, the types they may
// have had, the record can be rebuilt and tried.
type Shape struct {
	Fields int
	// Lost returns the serial types to try for field i when its type was
	// overwritten (an INTEGER PRIMARY KEY is always NULL, 0; the type of
	// a sqlite_master row is the text 'table', 'index', 'view' or
	// 'trigger'); nil when it cannot be guessed.
	Lost func(i int) []uint64
	// Valid says whether a rebuilt record is one (its values fit).
	Valid func(record []byte) bool
}

// maxGuesses bounds the combinations of lost serial types tried at one
// place.
const maxGuesses = 64

// DeletedShaped finds the records of shape sh in the freeblocks of leaf p,
// rebuilding the record headers the freeblock headers overwrote: for each
// freeblock, each way the cell may have begun (a payload size of 1 to 3
// bytes, a rowid of 1 to 4 on table leaves), each guess of the lost types,
// the remaining types are read from the page, and the record built from
// them is kept if it fits the freeblock and sh.Valid accepts it; the
// first valid reading at a place wins, and the next cell of a run of
// deleted cells (SQLite merges their freeblocks) is looked for where it
// ends.
func DeletedShaped(p *Page, sh Shape) []DeletedRecord {
	if sh.Fields <= 0 || sh.Fields > maxColumns || sh.Valid == nil {
		return nil
	}
	sp := leafSpace(p)
	if sp == nil {
		return nil
	}
	var out []DeletedRecord
	for _, f := range sp.Freeblocks {
		// SQLite merges the freeblocks of adjacent deleted cells: each
		// cell of the run lost its first 4 bytes when it was freed, and
		// the next one starts where the record rebuilt ends.
		end := f.Offset + f.Size
		for at := f.Offset; at+4 < end; {
			rec, next, ok := rebuild(p.Data[:end], at, p.Type == TableLeaf, sh)
			if !ok {
				at++
				continue
			}
			out = append(out, DeletedRecord{Offset: at, Record: rec, Area: AreaFreeblock})
			at = next
		}
	}
	return out
}

// rebuild tries every way a deleted cell starting at start may have been
// laid out, and returns the record and where the cell ended.
func rebuild(area []byte, start int, table bool, sh Shape) ([]byte, int, bool) {
	lost := start + 4 // bytes before this were overwritten
	rowids := []int{0}
	if table {
		rowids = []int{1, 2, 3, 4}
	}
	for pv := 1; pv <= 3; pv++ {
		for _, rl := range rowids {
			hs := start + pv + rl // the record header's length byte
			for _, guess := range guesses(hs+1, lost, sh) {
				if rec, ok := assemble(area, hs, lost, guess, sh); ok {
					return rec, hs + len(rec), true
				}
			}
		}
	}
	return nil, 0, false
}

// guesses lists the combinations of serial types for the leading fields
// whose one-byte types (from first on) fall before lost.
func guesses(first, lost int, sh Shape) [][]uint64 {
	n := max(0, min(lost-first, sh.Fields))
	combos := [][]uint64{{}}
	for i := 0; i < n; i++ {
		var cands []uint64
		if sh.Lost != nil {
			cands = sh.Lost(i)
		}
		var next [][]uint64
		for _, c := range combos {
			for _, t := range cands {
				if t < 0x80 && len(next) < maxGuesses {
					next = append(next, append(append([]uint64(nil), c...), t))
				}
			}
		}
		if combos = next; len(combos) == 0 {
			return nil
		}
	}
	return combos
}

// assemble builds the record whose header length byte sits at hs, the
// types of its leading fields being guess (their bytes lost), the rest
// read from area.
func assemble(area []byte, hs, lost int, guess []uint64, sh Shape) ([]byte, bool) {
	types := append([]uint64(nil), guess...)
	pos := hs + 1 + len(guess)
	if pos < lost {
		return nil, false // a lost byte no guess covers
	}
	for len(types) < sh.Fields {
		if pos >= len(area) {
			return nil, false
		}
		t, m := Varint(area[pos:])
		if m == 0 || t == 10 || t == 11 {
			return nil, false
		}
		types, pos = append(types, t), pos+m
	}
	var hdr []byte
	for _, t := range types {
		hdr = AppendVarint(hdr, t)
	}
	if len(hdr)+1 >= 0x80 {
		return nil, false // a header of more than one length byte is not rebuilt
	}
	body := int64(0)
	for _, t := range types {
		// Each size is checked on its own: a hostile serial type's size
		// is near 2^63, and a sum of two would wrap.
		if size := SerialTypeSize(t); size <= int64(len(area)) {
			body += size
		} else {
			return nil, false
		}
	}
	if int64(pos)+body > int64(len(area)) {
		return nil, false
	}
	rec := append([]byte{byte(len(hdr) + 1)}, hdr...)
	rec = append(rec, area[pos:pos+int(body)]...)
	if !sh.Valid(rec) {
		return nil, false
	}
	return rec, true
}

// leafSpace is the space accounting of leaf p, nil for an interior page
// or one whose header lies (free and live space cannot be told apart
// there).
func leafSpace(p *Page) *Space {
	if !p.Type.Leaf() {
		return nil
	}
	sp, err := p.Space()
	if err != nil {
		return nil
	}
	return sp
}
