package btree_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// cellKey is what identifies a cell in these tests: its rowid and local
// payload (and overflow page).
type cellKey struct {
	Rowid    int64
	Local    string
	Overflow uint32
}

// leafCells returns the cells of every table leaf of a database, read
// through the intact pointer array, by page.
func leafCells(t *testing.T, f *pagefile.File) map[uint32][]cellKey {
	t.Helper()
	out := map[uint32][]cellKey{}
	for pgno := uint32(2); pgno <= f.PageCount(); pgno++ {
		data, err := f.Page(pgno)
		if err != nil {
			t.Fatal(err)
		}
		p, err := btree.ParsePage(pgno, data, f.Usable())
		if err != nil || p.Type != btree.TableLeaf || p.Validate() != nil || p.CellCount < 3 {
			continue
		}
		for i := 0; i < p.CellCount; i++ {
			c, err := p.Cell(i)
			if err != nil {
				t.Fatal(err)
			}
			out[pgno] = append(out[pgno], cellKey{c.Rowid, string(c.Local), c.Overflow})
		}
	}
	return out
}

func salvaged(cells []btree.SalvagedCell) []cellKey {
	var out []cellKey
	for _, c := range cells {
		out = append(out, cellKey{c.Rowid, string(c.Local), c.Overflow})
	}
	// Salvage lists cells by offset, highest first; SQLite keeps the
	// pointer array in key order. Compare as sets ordered by rowid.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Rowid < out[j-1].Rowid; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Issue 11 §2: one bad header field must not throw a page away. On real
// leaves (with long payloads spilling to overflow pages), Salvage finds
// every cell of the intact page when the cell count says 4099, when the
// first freeblock points outside the page, and when the cell pointer
// array is overwritten; and exactly the intact page's cells when nothing
// is damaged.
func TestSalvageDamagedHeaders(t *testing.T) {
	for _, cfg := range []testdb.Config{
		{PageSize: 1024, Encoding: 1, AutoVacuum: "none", Rows: 300, BigValues: true, Seed: 21},
		{PageSize: 4096, Encoding: 2, AutoVacuum: "full", Reserved: 12, Rows: 300, Seed: 22},
	} {
		path, err := testdb.Build(context.Background(), t.TempDir(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		f, err := pagefile.Open(path, pagefile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pages := leafCells(t, f)
		if len(pages) == 0 {
			t.Fatal("test premise: no table leaf")
		}
		damages := map[string]func(p []byte){
			"none":          func([]byte) {},
			"cell count":    func(p []byte) { binary.BigEndian.PutUint16(p[3:], 4099) },
			"freeblock":     func(p []byte) { binary.BigEndian.PutUint16(p[1:], uint16(f.Usable()-2)) },
			"pointer array": func(p []byte) { n := binary.BigEndian.Uint16(p[3:]); copy(p[8:8+2*n], make([]byte, 2*n)) },
		}
		for pgno, want := range pages {
			for name, damage := range damages {
				t.Run(fmt.Sprintf("%s/page%d/%s", cfg.Name(), pgno, name), func(t *testing.T) {
					data, err := f.Page(pgno)
					if err != nil {
						t.Fatal(err)
					}
					damage(data)
					got := salvaged(btree.Salvage(pgno, data, f.Usable(), btree.TableLeaf, nil))
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("cells (-intact +salvaged):\n%s", diff)
					}
				})
			}
		}
	}
}
