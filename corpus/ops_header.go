package corpus

import (
	"fmt"

	"github.com/dbrescue/dbrescue/pagefile"
)

// Header damage: the commonest field failure is a first page zeroed or
// overwritten (a sector remapped, a partial write at offset 0, an app that
// "repairs" the header itself). Each applies to page 1 of the main file and,
// when the WAL holds a committed image of page 1, to the newest one too:
// SQLite reads page 1 from the WAL when it is there, and damage to the main
// file's copy alone would go unnoticed.
func registerHeaderKinds() {
	register(KindInfo{Kind: ZeroPage1, Summary: "fill page 1 (header and the root of sqlite_master) with zeros; SQLite refuses the file"},
		func(o *op) error {
			o.eachPage1(func(p []byte) { clear(p) })
			o.dmg.Targets = []uint32{1}
			o.dmg.Summary = "page 1 zeroed"
			return nil
		})
	register(KindInfo{Kind: GarbagePage1, Summary: "overwrite page 1 with random bytes"},
		func(o *op) error {
			o.eachPage1(func(p []byte) { fillRandom(o.rng, p) })
			o.dmg.Targets = []uint32{1}
			o.dmg.Summary = "page 1 overwritten with random bytes"
			return nil
		})
	register(KindInfo{Kind: ZeroHeader, Summary: "zero the 100-byte database header; page 1's b-tree survives"},
		func(o *op) error {
			o.eachPage1(func(p []byte) { clear(p[:min(len(p), pagefile.HeaderSize)]) })
			o.dmg.Targets = []uint32{1}
			o.dmg.Summary = "database header (bytes 0-99) zeroed"
			return nil
		})
	register(KindInfo{Kind: BadPageSize, Summary: "write a wrong page size into the header (half, double, or not a power of two)"},
		func(o *op) error {
			ps := o.im.geom.PageSize
			if len(o.im.db) < 18 {
				return noTarget("the file is too short to hold a page size")
			}
			var choices []int
			if ps > 512 {
				choices = append(choices, ps/2)
			}
			if ps < 65536 {
				choices = append(choices, ps*2)
			}
			choices = append(choices, 3000, 0)
			bad := pick(o.rng, choices)
			stored := uint16(bad)
			if bad == 65536 {
				stored = 1
			}
			o.eachPage1(func(p []byte) { be.PutUint16(p[16:], stored) })
			o.dmg.Targets = []uint32{1}
			o.dmg.Summary = fmt.Sprintf("header page size set to %d (the pages are %d bytes)", bad, ps)
			return nil
		})
}

// eachPage1 applies fn to page 1 of the main file (what is left of it in
// a short file), then to the WAL's newest committed image of page 1.
func (o *op) eachPage1(fn func([]byte)) {
	fn(o.im.db[:min(len(o.im.db), o.im.geom.PageSize)])
	if _, ok := o.im.latest[1]; ok {
		fn(o.im.page(1))
	}
}
