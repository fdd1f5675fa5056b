package corpus

import (
	"fmt"
	"slices"
)

// File-level damage: a file cut short (a copy interrupted, a full disk, an
// app that truncates on error) and bytes flipped at random (bit rot, bad
// RAM on the way to the disk). Both act on the main file as bytes.
func registerFileKinds() {
	register(KindInfo{Kind: Truncate, Summary: "cut the main file to a fraction of its size (not on a page boundary in general)", Options: []string{"fraction"}},
		func(o *op) error {
			f := o.c.Fraction
			if f == 0 {
				f = 0.3 + 0.6*o.rng.Float64()
			}
			size := int64(float64(len(o.im.db)) * f)
			o.im.db = o.im.db[:size]
			o.dmg.Summary = fmt.Sprintf("main file cut to %d of %d bytes (fraction %.4f)", size, len(o.im.orig), f)
			return nil
		})
	register(KindInfo{Kind: ByteFlips, Summary: "change N bytes at random offsets of the main file (default 16)", Options: []string{"count"}},
		func(o *op) error {
			n := o.c.Count
			if n == 0 {
				n = 16
			}
			if n > len(o.im.db) {
				return badOption("count %d exceeds the %d bytes of the file", n, len(o.im.db))
			}
			offsets := map[int]bool{}
			for len(offsets) < n {
				offsets[o.rng.IntN(len(o.im.db))] = true
			}
			sorted := make([]int, 0, n)
			for off := range offsets {
				sorted = append(sorted, off)
			}
			slices.Sort(sorted)
			pages := map[uint32]bool{}
			for _, off := range sorted {
				// XOR with a non-zero byte: the byte always changes.
				o.im.db[off] ^= byte(1 + o.rng.IntN(255))
				pg := uint32(off/o.im.geom.PageSize) + 1
				if !pages[pg] {
					pages[pg] = true
					o.dmg.Targets = append(o.dmg.Targets, pg)
				}
			}
			o.dmg.Summary = fmt.Sprintf("%d bytes changed on %d pages", n, len(pages))
			return nil
		})
}
