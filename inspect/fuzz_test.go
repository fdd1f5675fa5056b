package inspect_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// maxFuzzPages bounds the pages a fuzz run decodes one by one.
const maxFuzzPages = 64

// FuzzInspect inspects arbitrary bytes as a database file: the whole
// report and the document of every page (the first pages and the first
// missing one) are built and encoded as JSON, and every page is counted
// under exactly one kind. Seeds: the census's (real databases, with and
// without their header), and what the fuzzer found in testdata/fuzz.
func FuzzInspect(f *testing.F) {
	seeds, err := filepath.Glob("../census/testdata/fuzz/FuzzCensus/*")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no census seeds: %v", err)
	}
	for _, s := range seeds {
		f.Add(testdb.ReadSeed(f, s))
	}
	f.Fuzz(func(t *testing.T, db []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.db")
		if err := os.WriteFile(path, db, 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := inspect.Open(context.Background(), path, pagefile.Options{})
		if err != nil {
			return // no page size, or nothing to read: said, not described
		}
		defer in.Close()
		rep := in.Report()
		if _, err := json.Marshal(rep); err != nil {
			t.Fatal(err)
		}
		var total uint64
		for _, n := range rep.PageKinds {
			total += uint64(n)
		}
		if want := uint64(rep.Geometry.PageCount) + uint64(rep.Geometry.MissingPages); total != want {
			t.Fatalf("page kinds %v add up to %d pages, want %d", rep.PageKinds, total, want)
		}
		pages := []uint32{rep.Geometry.PageCount + 1}
		for pgno := uint32(1); pgno <= min(rep.Geometry.PageCount, maxFuzzPages); pgno++ {
			pages = append(pages, pgno)
		}
		for _, pgno := range pages {
			doc, err := in.Page(pgno)
			var re *inspect.PageRangeError
			if errors.As(err, &re) && pgno > rep.Geometry.PageCount && rep.Geometry.MissingPages == 0 {
				continue
			}
			if err != nil {
				t.Fatalf("page %d: %v", pgno, err)
			}
			if _, err := json.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}
	})
}
