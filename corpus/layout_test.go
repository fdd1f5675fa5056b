package corpus

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// TestLayoutIsACensusProjection: a layout answers nothing the census does
// not. Each tree is one the census walked from sqlite_master, with the
// pages the census gave it; its overflow chains, read by the layout's own
// walk, are, end to end, the overflow pages the census found; each table's
// entries are as many as the census counted; the freelist is the
// census's.
func TestLayoutIsACensusProjection(t *testing.T) {
	f := openFile(t, sharedDB(t, plainSpec).Path)
	lay := readLayout(f, true)
	c, err := census.Take(context.Background(), f, btree.ReaderFor(f), census.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type tree struct {
		Name          string
		Root          uint32
		IndexTree     bool
		Pages         []uint32
		Overflow      []uint32
		Entries       int
		Errors        int
		OwnedElsewise []uint32 // pages the census gave another tree
	}
	var want, got []tree
	for _, ct := range c.Trees {
		if ct.From != census.FromSchema {
			continue
		}
		w := tree{Name: ct.Name, Root: ct.Root, IndexTree: ct.IndexTree, Overflow: ct.Walk.Overflow, Errors: len(ct.Walk.Errors)}
		for _, v := range ct.Walk.Pages {
			w.Pages = append(w.Pages, v.Pgno)
		}
		if ct.Type == "table" {
			w.Entries = ct.Walk.Entries
		}
		want = append(want, w)
	}
	for _, lt := range lay.Trees {
		g := tree{Name: lt.Name, Root: lt.Root, IndexTree: lt.IndexTree, Overflow: slices.Concat(lt.Chains...), Entries: len(lt.Entries), Errors: len(lt.Errors)}
		for _, v := range lt.Pages {
			g.Pages = append(g.Pages, v.Pgno)
			if o := c.Owner(v.Pgno); o == nil || o.Name != lt.Name {
				g.OwnedElsewise = append(g.OwnedElsewise, v.Pgno)
			}
		}
		got = append(got, g)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trees, census (-) and layout (+):\n%s", diff)
	}
	spills := slices.ContainsFunc(got, func(t tree) bool { return len(t.Overflow) > 1 })
	if len(got) < 9 || !spills || len(lay.Freelist.Trunks) == 0 {
		t.Fatalf("%d trees, overflow chains %v, freelist %v: the sample proves little", len(got), spills, lay.Freelist)
	}
	if diff := cmp.Diff(c.Freelist, lay.Freelist); diff != "" {
		t.Errorf("freelist, census (-) and layout (+):\n%s", diff)
	}
}
