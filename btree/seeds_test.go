package btree_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpora in testdata/fuzz from freshly built databases")

// seedConfigs are small databases, so that fuzzing starts from real
// structure (every page kind, overflow chains, freelists, pointer maps, a
// WAL) without wasting time on large inputs.
var seedConfigs = []testdb.Config{
	{PageSize: 512, Encoding: 1, AutoVacuum: "none", Rows: 12, Seed: 1},
	{PageSize: 512, Encoding: 2, AutoVacuum: "full", Reserved: 8, Rows: 12, Seed: 2},
	{PageSize: 1024, Encoding: 3, AutoVacuum: "incremental", Rows: 12, Seed: 3},
	{PageSize: 512, Encoding: 1, AutoVacuum: "none", Rows: 12, WAL: true, Seed: 4},
}

// TestUpdateFuzzSeeds regenerates the seed corpora when run with
// -update-seeds; otherwise it is skipped. The seeds are committed.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite testdata/fuzz")
	}
	dir := t.TempDir()
	for i, c := range seedConfigs {
		path, err := testdb.Build(context.Background(), dir, c)
		if err != nil {
			t.Fatal(err)
		}
		db, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.WAL {
			wal, err := os.ReadFile(path + "-wal")
			if err != nil {
				t.Fatal(err)
			}
			writeSeed(t, "../pagefile/testdata/fuzz/FuzzReadWAL", fmt.Sprintf("db%d", i), wal, db)
			continue
		}
		writeSeed(t, "testdata/fuzz/FuzzOpenAndWalk", fmt.Sprintf("db%d", i), db)
		zeroed := append([]byte(nil), db...)
		clear(zeroed[:100])
		writeSeed(t, "testdata/fuzz/FuzzOpenAndWalk", fmt.Sprintf("db%d-zero-header", i), zeroed)
		seedPagesAndRecords(t, i, path, c)
	}
	for name, rec := range map[string][]byte{
		"empty":          {},
		"header-too-big": {0x7f, 0x01},
		"reserved-type":  {0x02, 0x0a},
		"cut-text":       {0x02, 0x1b, 'a', 'b'},
		"every-int":      {0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0},
	} {
		writeSeed(t, "testdata/fuzz/FuzzDecodeRecord", name, rec, uint8(1))
	}
}

// seedPagesAndRecords writes one page of each kind, and a few records,
// from the database at path.
func seedPagesAndRecords(t *testing.T, i int, path string, c testdb.Config) {
	f, err := pagefile.Open(path, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := btree.ReaderFor(f)
	kinds := map[string]bool{}
	records := 0
	for pgno := uint32(1); pgno <= f.PageCount(); pgno++ {
		img, err := f.Page(pgno)
		if err != nil {
			t.Fatal(err)
		}
		kind := "other"
		if p, err := btree.ParsePage(pgno, img, f.Usable()); err == nil {
			kind = p.Type.String()
			if p.Type.Leaf() && records < 4 {
				for ci := 0; ci < min(p.CellCount, 2); ci++ {
					if cell, err := p.Cell(ci); err == nil {
						payload, _, _ := r.Payload(cell)
						writeSeed(t, "testdata/fuzz/FuzzDecodeRecord", fmt.Sprintf("db%d-p%d-c%d", i, pgno, ci), payload, uint8(f.TextEncoding()))
						records++
					}
				}
			}
		}
		if pgno == 1 || !kinds[kind] {
			kinds[kind] = true
			writeSeed(t, "testdata/fuzz/FuzzParsePage", fmt.Sprintf("db%d-p%d-%s", i, pgno, kind), img, pgno, uint8(c.Reserved))
		}
	}
}

// writeSeed writes one corpus file in the format go test -fuzz reads.
func writeSeed(t *testing.T, dir, name string, args ...any) {
	t.Helper()
	if err := testdb.WriteSeed(dir, name, args...); err != nil {
		t.Fatal(err)
	}
}
