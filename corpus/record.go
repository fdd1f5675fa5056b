package corpus

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/dbrescue/dbrescue/internal/pagelist"
)

// damagePages is how a Summary lists pages: "17-19, 23".
var damagePages = pagelist.Style{Sep: ", ", Runs: true}

// Damage records what one corruption did. Intent (Summary, Targets,
// Frames) is what the operator aimed at; Files and Pages are measured by
// comparing the output with the input byte for byte, so they cannot
// disagree with what was written.
type Damage struct {
	Kind   Kind   `json:"kind"`
	Seed   uint64 `json:"seed"`
	Target Target `json:"target,omitempty"`
	// Summary says in one sentence what was done, with page numbers.
	Summary string `json:"summary"`
	// Targets are the pages the operator aimed at, in the order it chose
	// them; Frames the WAL frames (0-based), for WAL kinds.
	Targets []uint32 `json:"targets,omitempty"`
	Frames  []int    `json:"frames,omitempty"`
	// Files lists each file written and the byte ranges that differ from
	// the input: "db" and, when the input has one, "wal".
	Files []FileDamage `json:"files"`
	// Pages lists every page whose image, as a reader sees it (newest
	// committed WAL frame, else the main file, read with the input's page
	// size), differs from the input's, in page order. This is the set the
	// ceiling is computed from.
	Pages []PageDamage `json:"pages"`
}

// FileDamage is what changed in one file.
type FileDamage struct {
	File    string `json:"file"` // "db" or "wal"
	OldSize int64  `json:"old_size"`
	NewSize int64  `json:"new_size"`
	// BytesChanged counts bytes that differ within the shorter length;
	// bytes cut off by truncation are in OldSize - NewSize.
	BytesChanged int64   `json:"bytes_changed"`
	Ranges       []Range `json:"ranges,omitempty"`
}

// PageDamage is one page whose image changed.
type PageDamage struct {
	Pgno uint32 `json:"pgno"`
	// Gone is true when the page no longer exists (the file was cut
	// before it); Ranges then covers the whole page.
	Gone   bool    `json:"gone,omitempty"`
	Ranges []Range `json:"ranges"`
}

// Range is a run of changed bytes. Runs separated by fewer than
// rangeMergeGap unchanged bytes are reported as one (random garbage
// matches the original by chance here and there), so a Range may include
// a few bytes that did not change.
type Range struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

const rangeMergeGap = 8

// DestroyedPages returns the set of pages in Pages.
func (d *Damage) DestroyedPages() map[uint32]bool {
	out := make(map[uint32]bool, len(d.Pages))
	for _, p := range d.Pages {
		out[p.Pgno] = true
	}
	return out
}

// touches reports whether any changed range of the page overlaps
// [off, off+n).
func (p *PageDamage) touches(off, n int) bool {
	for _, r := range p.Ranges {
		if r.Offset < int64(off+n) && int64(off) < r.Offset+r.Length {
			return true
		}
	}
	return false
}

// diffBytes returns the runs where a and b differ over their common length,
// merged across small gaps, and the exact count of differing bytes. It
// compares in chunks so a 200 MB file with a few damaged pages costs one
// pass of bytes.Equal.
func diffBytes(a, b []byte) ([]Range, int64) {
	n := min(len(a), len(b))
	var out []Range
	var changed int64
	const chunk = 4096
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		if bytes.Equal(a[start:end], b[start:end]) {
			continue
		}
		for i := start; i < end; i++ {
			if a[i] == b[i] {
				continue
			}
			changed++
			if k := len(out) - 1; k >= 0 && int64(i)-(out[k].Offset+out[k].Length) < rangeMergeGap {
				out[k].Length = int64(i) + 1 - out[k].Offset
				continue
			}
			out = append(out, Range{Offset: int64(i), Length: 1})
		}
	}
	return out, changed
}

// measure fills d.Files and d.Pages by comparing the edited image with the
// input. Pages are read through pagefile with the input's geometry, so a
// damaged header or a WAL that no longer verifies shows up as the pages a
// reader can no longer get.
func (im *image) measure(d *Damage) error {
	r, n := diffBytes(im.orig, im.db)
	d.Files = append(d.Files, FileDamage{File: "db", OldSize: int64(len(im.orig)), NewSize: int64(len(im.db)), BytesChanged: n, Ranges: r})
	if im.origWAL != nil {
		r, n := diffBytes(im.origWAL, im.wal)
		d.Files = append(d.Files, FileDamage{File: "wal", OldSize: int64(len(im.origWAL)), NewSize: int64(len(im.wal)), BytesChanged: n, Ranges: r})
	}
	after, err := im.open(im.db, im.wal, &im.geom)
	if err != nil {
		return err
	}
	before := im.file
	a := make([]byte, im.geom.PageSize)
	b := make([]byte, im.geom.PageSize)
	// Pages the output has beyond the input's (none of the operators
	// grow a file) held nothing to destroy.
	for pgno := uint32(1); pgno <= before.PageCount(); pgno++ {
		if err := before.ReadPage(pgno, a); err != nil {
			return err
		}
		if pgno > after.PageCount() {
			d.Pages = append(d.Pages, PageDamage{Pgno: pgno, Gone: true, Ranges: []Range{{0, int64(len(a))}}})
			continue
		}
		if err := after.ReadPage(pgno, b); err != nil {
			return err
		}
		if ranges, _ := diffBytes(a, b); len(ranges) > 0 {
			d.Pages = append(d.Pages, PageDamage{Pgno: pgno, Ranges: ranges})
		}
	}
	return nil
}

// pageDamage returns the damage to pgno, or nil.
func (d *Damage) pageDamage(pgno uint32) *PageDamage {
	i, ok := slices.BinarySearchFunc(d.Pages, pgno, func(p PageDamage, n uint32) int { return cmp.Compare(p.Pgno, n) })
	if !ok {
		return nil
	}
	return &d.Pages[i]
}
