package pagemap_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/pagemap"
)

// damagedSample is a small messenger database (package corpus) with a
// leaf of messages zeroed and its last three pages cut off, and its
// census.
func damagedSample(t *testing.T) (*census.Census, uint32) {
	t.Helper()
	db, err := corpus.Generate(context.Background(), t.TempDir(), corpus.Spec{Seed: 1, Deletes: true})
	if err != nil {
		t.Fatal(err)
	}
	c := take(t, db.Path)
	var leaf uint32
	for i, p := range c.Pages {
		if o := c.Owner(uint32(i + 1)); leaf == 0 && p.Class == census.TableLeaf && o != nil && o.Name == "messages" {
			leaf = uint32(i + 1)
		}
	}
	b, err := os.ReadFile(db.Path)
	if err != nil {
		t.Fatal(err)
	}
	ps := c.File.Geometry.PageSize
	clear(b[int(leaf-1)*ps : int(leaf)*ps])
	if err := os.WriteFile(db.Path, b[:len(b)-3*ps], 0o644); err != nil {
		t.Fatal(err)
	}
	c = take(t, db.Path)
	if c.Missing != 3 || c.Page(leaf).Class != census.Zero {
		t.Fatalf("test premise: %d pages missing, page %d is %s", c.Missing, leaf, c.Page(leaf).Class)
	}
	return c, leaf
}

func take(t *testing.T, path string) *census.Census {
	t.Helper()
	f, g, err := census.Open(path, census.Hint{}, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	c, err := census.Take(context.Background(), f, btree.NewReader(f, f.Usable(), g.Encoding), census.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func render(t *testing.T, c *census.Census, opts pagemap.Options) *parsedMap {
	t.Helper()
	var buf bytes.Buffer
	if err := pagemap.Render(&buf, c, opts); err != nil {
		t.Fatal(err)
	}
	return parseMap(t, buf.String())
}

// expected is what the census says of page pgno, as a legend entry
// states it: its class and owner. A page of a lost class names no owner
// in its colour (the tooltip names the tree that pointed at it).
func expected(c *census.Census, pgno uint64) legendEntry {
	if pgno > uint64(len(c.Pages)) {
		return legendEntry{class: "missing"}
	}
	p := c.Page(uint32(pgno))
	e := legendEntry{class: p.Class.String()}
	if p.Class.BTree() || p.Class == census.Overflow {
		e.tree = fmt.Sprint(p.Tree)
		if c.Trees[p.Tree].From == census.FromOrphan {
			e.tree = "orphan"
		}
	}
	return e
}

// damaged reports whether the map must outline page pgno.
func damaged(c *census.Census, pgno uint64) bool {
	_, found := c.PageDamage()[uint32(pgno)]
	return pgno > uint64(len(c.Pages)) || c.Page(uint32(pgno)).Class.Lost() || found
}

// checkCover checks that the cells cover every page and missing page once,
// in order.
func checkCover(t *testing.T, m *parsedMap, total uint64) {
	t.Helper()
	next := uint64(1)
	for _, cl := range m.cells {
		if cl.first != next || cl.last < cl.first {
			t.Fatalf("cell %d-%d follows page %d", cl.first, cl.last, next-1)
		}
		next = cl.last + 1
	}
	if next != total+1 {
		t.Fatalf("the cells end at page %d of %d", next-1, total)
	}
}

// One cell per page (runs of pages that look alike joined): every page
// and every missing page is in exactly one cell, each cell's colour is
// the legend's for the class and owner the census gives its pages, no
// two legend entries share a colour, and exactly the damaged, lost and
// missing pages are outlined.
func TestMapMarksEveryPage(t *testing.T) {
	c, leaf := damagedSample(t)
	m := render(t, c, pagemap.Options{Title: "broken <db>"})
	total := uint64(len(c.Pages)) + uint64(c.Missing)
	checkCover(t, m, total)
	fills := map[string]string{}
	for k, e := range m.legend {
		if other, ok := fills[e.fill]; ok {
			t.Errorf("legend entries %q and %q share the colour %s", k, other, e.fill)
		}
		fills[e.fill] = k
	}
	for _, cl := range m.cells {
		e, ok := m.legend[cl.key]
		if !ok {
			t.Fatalf("cell %d-%d: colour %q has no legend entry", cl.first, cl.last, cl.key)
		}
		if len(cl.fills) != 1 || cl.fills[0] != e.fill {
			t.Errorf("cell %d-%d is drawn %v, its legend entry %s", cl.first, cl.last, cl.fills, e.fill)
		}
		for pg := cl.first; pg <= cl.last; pg++ {
			want := expected(c, pg)
			want.fill = e.fill
			if diff := cmp.Diff(want, e, cmp.AllowUnexported(legendEntry{})); diff != "" {
				t.Errorf("page %d: legend entry %q (-census +map):\n%s", pg, cl.key, diff)
			}
			if damaged(c, pg) != cl.bad {
				t.Errorf("page %d: outlined %v, damaged %v", pg, cl.bad, damaged(c, pg))
			}
		}
		if cl.first <= uint64(leaf) && uint64(leaf) <= cl.last && (!strings.Contains(cl.title, "zero, reached from table \"messages\"") || !cl.bad) {
			t.Errorf("the zeroed leaf %d is drawn as %+v", leaf, cl)
		}
		if cl.last > uint64(len(c.Pages)) && !strings.Contains(cl.title, "missing; damaged: missing beyond the end of the file: "+c.MissingWhy) {
			t.Errorf("missing pages %d-%d say %q", cl.first, cl.last, cl.title)
		}
	}
	if !m.badMark || len(m.outcomes) != 0 {
		t.Errorf("legend: damage outline explained %v, outcomes %v; want the outline and no outcomes", m.badMark, m.outcomes)
	}
	for _, s := range []string{"<script", "http:", "https:", "href", "src=", "url(", "@import"} {
		if strings.Contains(m.text, s) {
			t.Errorf("the map holds %q: it must need no script and nothing from elsewhere", s)
		}
	}
	if !strings.Contains(m.text, "<h1>Page map of broken &lt;db&gt;</h1>") {
		t.Error("the title is not escaped in the heading")
	}
}

// More pages than cells: each cell covers a block of pages, takes the
// colour most of them have, and is outlined when any of them is damaged.
func TestMapDrawsBlocksWhenPagesOutnumberCells(t *testing.T) {
	c, _ := damagedSample(t)
	total := uint64(len(c.Pages)) + uint64(c.Missing)
	const cells = 7
	per := (total + cells - 1) / cells
	m := render(t, c, pagemap.Options{MaxCells: cells})
	checkCover(t, m, total)
	if len(m.cells) > cells {
		t.Errorf("%d cells drawn, at most %d wanted", len(m.cells), cells)
	}
	for _, cl := range m.cells {
		counts := map[legendEntry]uint64{}
		var order []legendEntry
		bad := false
		for pg := cl.first; pg <= cl.last; pg++ {
			e := expected(c, pg)
			if counts[e] == 0 {
				order = append(order, e)
			}
			counts[e]++
			bad = bad || damaged(c, pg)
		}
		most := slices.MaxFunc(order, func(a, b legendEntry) int { return int(counts[a]) - int(counts[b]) })
		got := m.legend[cl.key]
		got.fill = ""
		if (cl.last-cl.first+1)%per != 0 && cl.last != total {
			t.Errorf("cell %d-%d is not made of blocks of %d pages", cl.first, cl.last, per)
		}
		if counts[got] != counts[most] {
			t.Errorf("cell %d-%d coloured as %+v (%d pages), most are %+v (%d)", cl.first, cl.last, got, counts[got], most, counts[most])
		}
		if bad != cl.bad {
			t.Errorf("cell %d-%d outlined %v, holds damage %v", cl.first, cl.last, cl.bad, bad)
		}
	}
}

// With a repair's outcomes every cell is marked with its page's outcome
// (the worst of a block's), drawn as a strip of the legend's colour; a
// page holding no rows has no strip.
func TestMapMarksOutcomes(t *testing.T) {
	c, _ := damagedSample(t)
	outcome := func(pgno uint32) pagemap.Outcome { return pagemap.Outcome(pgno % 5) }
	for _, maxCells := range []int{0, 5} {
		m := render(t, c, pagemap.Options{Outcome: outcome, MaxCells: maxCells})
		for _, cl := range m.cells {
			worst := pagemap.NoRows
			for pg := cl.first; pg <= cl.last; pg++ {
				worst = max(worst, outcome(uint32(pg)))
			}
			if cl.outcome != worst.String() {
				t.Errorf("cells of %d: %d-%d marked %q, want %q", maxCells, cl.first, cl.last, cl.outcome, worst)
			}
			want := []string{m.legend[cl.key].fill}
			if worst != pagemap.NoRows {
				want = append(want, m.outcomes[worst.String()])
			}
			if diff := cmp.Diff(want, cl.fills); diff != "" {
				t.Errorf("cell %d-%d fills (-want +got):\n%s", cl.first, cl.last, diff)
			}
		}
		if len(m.outcomes) != 5 || m.outcomes["none"] != "none" {
			t.Errorf("legend outcomes %v, want all five, none without a strip", m.outcomes)
		}
	}
}
