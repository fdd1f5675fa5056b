package pagefile

import "encoding/binary"

// Freelist lists the pages on the freelist: trunk pages in chain order and
// the leaf pages they name. Problems records every inconsistency met; the
// enumeration stops at a loop or an out-of-range trunk and keeps what it
// found before.
type Freelist struct {
	Trunks   []uint32
	Leaves   []uint32
	Problems []error
}

// Freelist enumerates the freelist starting at the header's first trunk.
// It never follows a trunk twice and never lists more pages than the file
// holds, so a looping or absurd freelist cannot hang or exhaust memory.
func (f *File) Freelist() *Freelist {
	fl := &Freelist{}
	count := f.PageCount()
	seen := map[uint32]bool{}
	buf := make([]byte, f.Geometry.PageSize)
	maxLeaves := f.Usable()/4 - 2
	prev := uint32(0)
	for trunk := f.Header.FirstFreelistTrunk; trunk != 0; {
		// Page 1 holds the header and sqlite_master: never a freelist page.
		if trunk == 1 || trunk > count {
			cause := ErrOutOfRange
			if trunk > count {
				cause = ErrPastEnd
			}
			// The first trunk is named by header offset 32; later ones
			// by the first 4 bytes of the previous trunk.
			where := int64(0)
			if prev == 0 {
				where = 32
			}
			fl.Problems = append(fl.Problems, Corrupt(prev, where, cause, "freelist trunk %d outside pages 2..%d", trunk, count))
			break
		}
		if seen[trunk] {
			fl.Problems = append(fl.Problems, Corrupt(prev, 0, ErrLoop, "freelist trunk chain returns to page %d", trunk))
			break
		}
		seen[trunk] = true
		if err := f.ReadPage(trunk, buf); err != nil {
			fl.Problems = append(fl.Problems, err)
			break
		}
		fl.Trunks = append(fl.Trunks, trunk)
		t := ParseTrunk(buf, f.Usable())
		next := t.Next
		if int64(t.Count) > int64(maxLeaves) {
			fl.Problems = append(fl.Problems, Corrupt(trunk, 4, ErrBadValue, "freelist trunk claims %d leaves, at most %d fit", t.Count, maxLeaves))
		}
		for i, leaf := range t.Leaves {
			switch {
			case leaf > count:
				fl.Problems = append(fl.Problems, Corrupt(trunk, int64(8+4*i), ErrPastEnd, "freelist leaf %d outside pages 2..%d", leaf, count))
			case leaf < 2:
				fl.Problems = append(fl.Problems, Corrupt(trunk, int64(8+4*i), ErrOutOfRange, "freelist leaf %d outside pages 2..%d", leaf, count))
			case seen[leaf]:
				fl.Problems = append(fl.Problems, Corrupt(trunk, int64(8+4*i), ErrLoop, "freelist names page %d twice", leaf))
			default:
				seen[leaf] = true
				fl.Leaves = append(fl.Leaves, leaf)
			}
		}
		prev, trunk = trunk, next
	}
	if total := uint32(len(fl.Trunks) + len(fl.Leaves)); total != f.Header.FreelistCount && len(fl.Problems) == 0 {
		fl.Problems = append(fl.Problems, Corrupt(0, 36, ErrBadValue, "header counts %d freelist pages, the chain holds %d", f.Header.FreelistCount, total))
	}
	return fl
}

// Trunk is a freelist trunk page decoded: the next trunk, the leaf count
// as stored, and the leaves it lists (as many as fit in the usable area,
// whatever the count claims).
type Trunk struct {
	Next   uint32
	Count  uint32
	Leaves []uint32
}

// ParseTrunk decodes page as a freelist trunk page of a database whose
// pages have usable bytes. It checks nothing but what fits: the caller
// decides whether the numbers make sense.
func ParseTrunk(page []byte, usable int) Trunk {
	if len(page) < 8 || usable > len(page) {
		return Trunk{}
	}
	be := binary.BigEndian
	t := Trunk{Next: be.Uint32(page[0:]), Count: be.Uint32(page[4:])}
	n := min(int64(t.Count), int64(usable/4-2))
	t.Leaves = make([]uint32, 0, max(n, 0))
	for i := range int(max(n, 0)) {
		t.Leaves = append(t.Leaves, be.Uint32(page[8+4*i:]))
	}
	return t
}
