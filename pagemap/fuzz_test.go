package pagemap_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagemap"
)

// FuzzRender draws the census of arbitrary bytes read as a database,
// with outcomes and a cell budget the input chooses, and checks that the
// map is well-formed (names and messages from the file are escaped and
// cleaned) and covers every page and missing page once. Seeds: the
// census's real databases, with and without their header.
func FuzzRender(f *testing.F) {
	seeds, err := filepath.Glob("../census/testdata/fuzz/FuzzCensus/*")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no census seeds: %v", err)
	}
	for i, s := range seeds {
		f.Add(testdb.ReadSeed(f, s), uint16(i*3))
	}
	f.Fuzz(func(t *testing.T, db []byte, cells uint16) {
		file, _, err := census.OpenBytes(db, census.Hint{})
		if err != nil {
			return // no page size: nothing to draw
		}
		c, err := census.Take(context.Background(), file, btree.ReaderFor(file), census.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		outcome := func(pgno uint32) pagemap.Outcome { return pagemap.Outcome(pgno % 5) }
		if err := pagemap.Render(&buf, c, pagemap.Options{Title: string(db[:min(len(db), 40)]), Outcome: outcome, MaxCells: int(cells)}); err != nil {
			t.Fatal(err)
		}
		m := parseMap(t, buf.String())
		checkCover(t, m, uint64(len(c.Pages))+uint64(c.Missing))
		for _, cl := range m.cells {
			if _, ok := m.legend[cl.key]; !ok {
				t.Fatalf("cell %d-%d: colour %q has no legend entry", cl.first, cl.last, cl.key)
			}
		}
	})
}
