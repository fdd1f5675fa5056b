package corpus

import (
	"encoding/binary"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
)

// Each in-page kind changes one leaf of an application table, and only
// the part of it the kind names: the cells' bytes stay (but for the one
// serial type), so every row is still there to be carved.
func TestCellKinds(t *testing.T) {
	for _, k := range []Kind{PageHeader, CellPointers, SerialType} {
		for seed := uint64(1); seed <= 4; seed++ {
			r := runCorrupt(t, plainSpec, Corruption{Kind: k, Seed: seed})
			if len(r.dmg.Targets) != 1 || len(r.dmg.Pages) != 1 || r.dmg.Pages[0].Pgno != r.dmg.Targets[0] {
				t.Fatalf("%s seed %d: targets %v, pages %+v", k, seed, r.dmg.Targets, r.dmg.Pages)
			}
			pg := r.dmg.Targets[0]
			before, err := btree.ParsePage(pg, r.page(r.before, pg), r.ps)
			if err != nil || !before.Type.Leaf() || !before.Type.Table() {
				t.Fatalf("%s seed %d: page %d was not a table leaf: %v", k, seed, pg, err)
			}
			ptrs := before.HeaderOffset + before.HeaderSize()
			for _, rg := range r.dmg.Pages[0].Ranges {
				lo, hi := int(rg.Offset), int(rg.Offset+rg.Length)
				var ok bool
				switch k {
				case PageHeader:
					ok = lo >= before.HeaderOffset+1 && hi <= before.HeaderOffset+8
				case CellPointers:
					ok = lo >= ptrs && hi <= before.CellPointerEnd()
				case SerialType:
					ok = lo >= before.ContentStart && hi == lo+1
				}
				if !ok {
					t.Errorf("%s seed %d: bytes %d-%d of page %d changed (%s)", k, seed, lo, hi, pg, r.dmg.Summary)
				}
			}
			if k == PageHeader {
				after := r.page(r.after, pg)[before.HeaderOffset:]
				if binary.BigEndian.Uint16(after[3:]) == uint16(before.CellCount) && binary.BigEndian.Uint16(after[1:]) == uint16(before.FirstFreeblock) &&
					binary.BigEndian.Uint16(after[5:]) == uint16(before.ContentStart) && int(after[7]) == before.Fragmented {
					t.Errorf("%s seed %d: no header field changed", k, seed)
				}
			}
		}
	}
}

// fts-index-page needs a database with search, and then destroys a page
// of the FTS5 index, never of the text it indexes.
func TestFTSIndexPage(t *testing.T) {
	if _, err := Corrupt(t.Context(), sharedDB(t, plainSpec).Path, t.TempDir()+"/out.db", Corruption{Kind: FTSIndexPage, Seed: 1}); err == nil {
		t.Error("fts-index-page on a database without search succeeded")
	}
	spec := plainSpec
	spec.Search = true
	r := runCorrupt(t, spec, Corruption{Kind: FTSIndexPage, Seed: 1})
	data := r.inLayout.tree("message_search_data")
	if data == nil || len(r.dmg.Targets) != 1 {
		t.Fatalf("no FTS index, or targets %v", r.dmg.Targets)
	}
	found := false
	for _, v := range data.Pages {
		found = found || v.Pgno == r.dmg.Targets[0]
	}
	if !found {
		t.Errorf("page %d is not a page of message_search_data", r.dmg.Targets[0])
	}
}
