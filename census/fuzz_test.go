package census_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// FuzzCensus takes a census of arbitrary bytes read as a database (the
// geometry detected when the header gives none) and checks what every
// census promises: every page classified, every owner a real tree, every
// tree walkable again from its own pages. Seeds are in testdata/fuzz.
func FuzzCensus(f *testing.F) {
	f.Fuzz(func(t *testing.T, db []byte) {
		r := bytes.NewReader(db)
		var hdr *pagefile.Header
		if len(db) >= pagefile.HeaderSize {
			hdr, _ = pagefile.ReadHeader(r)
		}
		g, err := census.ChooseGeometry(r, int64(len(db)), hdr, census.Hint{})
		if err != nil {
			if !errors.Is(err, census.ErrNoGeometry) {
				t.Fatal(err)
			}
			return
		}
		file, err := pagefile.New(r, int64(len(db)), nil, 0, pagefile.Options{Geometry: &g.Geometry})
		if err != nil {
			return
		}
		c, err := census.Take(context.Background(), file, btree.ReaderFor(file), census.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range c.Pages {
			if p.Class == census.Unclassified {
				t.Fatalf("page %d unclassified", i+1)
			}
			if p.Tree >= int32(len(c.Trees)) {
				t.Fatalf("page %d owned by tree %d of %d", i+1, p.Tree, len(c.Trees))
			}
			if p.Class.BTree() && p.Tree < 0 {
				t.Fatalf("b-tree page %d has no tree", i+1)
			}
		}
		for _, tr := range c.Trees {
			res, err := c.Walk(tr.Index, btree.WalkOptions{OnEntry: func(*btree.Entry) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			for _, pv := range res.Pages {
				if c.Page(pv.Pgno).Tree != int32(tr.Index) {
					t.Fatalf("tree %d walks page %d, owned by tree %d", tr.Index, pv.Pgno, c.Page(pv.Pgno).Tree)
				}
			}
		}
	})
}
