package corpus

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// Whole-page damage: a flash block erased (zeros), a page written with
// someone else's bytes (garbage), two pages written to each other's place
// (swap), a write that never reached the disk (torn-write).
func registerPageKinds() {
	targets := []Target{TargetLeaf, TargetInterior, TargetRoot, TargetOverflow, TargetRandom}
	register(KindInfo{Kind: ZeroPage, Summary: "fill one page with zeros", Targets: targets, Options: []string{"target"}},
		func(o *op) error {
			pg, what, err := o.choosePage(o.c.Target)
			if err != nil {
				return err
			}
			clear(o.im.page(pg))
			o.dmg.Targets = []uint32{pg}
			o.dmg.Summary = fmt.Sprintf("%s zeroed", what)
			return nil
		})
	register(KindInfo{Kind: GarbagePage, Summary: "overwrite one page with random bytes", Targets: targets, Options: []string{"target"}},
		func(o *op) error {
			pg, what, err := o.choosePage(o.c.Target)
			if err != nil {
				return err
			}
			fillRandom(o.rng, o.im.page(pg))
			o.dmg.Targets = []uint32{pg}
			o.dmg.Summary = fmt.Sprintf("%s overwritten with random bytes", what)
			return nil
		})
	register(KindInfo{Kind: SwapPages, Summary: "exchange the contents of two leaf pages (misdirected writes)"}, swapPages)
	register(KindInfo{Kind: TornWrite, Summary: "put back an older version of a run of leaf pages, as after a lost write"}, tornWrite)
}

// pageChoice is a candidate page and how to name it in a summary.
type pageChoice struct {
	pgno uint32
	what string
}

// candidates lists the pages a target may hit, in a fixed order.
func (o *op) candidates(t Target) []pageChoice {
	lay := o.layout()
	var out []pageChoice
	add := func(pg uint32, format string, args ...any) {
		if pg > 1 && o.im.has(pg) {
			out = append(out, pageChoice{pg, fmt.Sprintf(format, args...)})
		}
	}
	if t == TargetRandom {
		for pg := uint32(2); pg <= o.im.pageCount(); pg++ {
			add(pg, "page %d", pg)
		}
		return out
	}
	for _, tr := range lay.userTrees() {
		switch t {
		case TargetOverflow:
			for _, chain := range tr.Chains {
				for _, pg := range chain {
					add(pg, "overflow page %d of table %s", pg, tr.Name)
				}
			}
		case TargetRoot:
			if len(tr.Pages) > 0 {
				add(tr.Root, "root page %d (%s) of table %s", tr.Root, tr.Pages[0].Type, tr.Name)
			}
		default:
			for _, v := range tr.Pages {
				if (t == TargetLeaf && v.Type.Leaf() && v.Pgno != tr.Root) || (t == TargetInterior && !v.Type.Leaf()) {
					add(v.Pgno, "%s page %d of table %s", v.Type, v.Pgno, tr.Name)
				}
			}
		}
	}
	return out
}

// choosePage draws one page for the target.
func (o *op) choosePage(t Target) (uint32, string, error) {
	c := o.candidates(t)
	if len(c) == 0 {
		return 0, "", noTarget("no %s page", t)
	}
	ch := pick(o.rng, c)
	return ch.pgno, ch.what, nil
}

func swapPages(o *op) error {
	c := o.candidates(TargetLeaf)
	if len(c) < 2 {
		return noTarget("fewer than two non-root leaf pages")
	}
	i := o.rng.IntN(len(c))
	j := (i + 1 + o.rng.IntN(len(c)-1)) % len(c)
	a, b := o.im.page(c[i].pgno), o.im.page(c[j].pgno)
	tmp := append([]byte(nil), a...)
	copy(a, b)
	copy(b, tmp)
	o.dmg.Targets = []uint32{c[i].pgno, c[j].pgno}
	o.dmg.Summary = fmt.Sprintf("contents of %s and %s exchanged", c[i].what, c[j].what)
	return nil
}

// tornWrite puts back, over one to three consecutive leaf pages of a rowid
// table, the images those pages had before their newest rows were written:
// the last third of each page's rows (at least one, never all) is deleted
// with SQLite on a scratch copy and the resulting page images are spliced
// in. The interior pages above and every other page keep the newer state,
// as when the device acknowledged a write it never made. A deletion that
// makes SQLite rebalance the pages yields no clean older version; the
// operator then tries another run (up to 8), so what it writes is always
// each page's newer cells minus its newest ones.
func tornWrite(o *op) error {
	lay := o.layout()
	var leaves []uint32
	trees := map[uint32]*Tree{}
	for _, tr := range lay.userTrees() {
		if tr.IndexTree {
			continue
		}
		for _, v := range tr.Pages {
			if v.Type == btree.TableLeaf && o.im.has(v.Pgno) {
				leaves = append(leaves, v.Pgno)
				trees[v.Pgno] = tr
			}
		}
	}
	r := btree.ReaderFor(o.im.file)
	perm := o.rng.Perm(len(leaves))
	for attempt := 0; attempt < min(8, len(perm)); attempt++ {
		first := leaves[perm[attempt]]
		tr := trees[first]
		run := []uint32{first}
		for n := 1 + o.rng.IntN(3); len(run) < n && trees[run[len(run)-1]+1] == tr; {
			run = append(run, run[len(run)-1]+1)
		}
		ok, err := o.tornRun(r, tr, run)
		if err != nil || ok {
			return err
		}
	}
	return noTarget("no run of leaf pages with two rows or more that SQLite shrinks without rebalancing")
}

// tornRun tries one run of pages; it reports false when the run cannot
// give a clean older version.
func (o *op) tornRun(r *btree.Reader, tr *Tree, run []uint32) (bool, error) {
	rowids, err := rowidsOn(r, tr.Root, run)
	if err != nil {
		return false, err
	}
	var del []string
	for _, pg := range run {
		ids := rowids[pg]
		if len(ids) < 2 {
			return false, nil
		}
		for _, id := range ids[len(ids)-max(1, len(ids)/3):] {
			del = append(del, strconv.FormatInt(id, 10))
		}
	}
	images, err := o.pagesAfterSQL([]string{
		fmt.Sprintf("DELETE FROM %s WHERE rowid IN (%s)", sqlident.Quote(tr.Name), strings.Join(del, ",")),
	}, run)
	if err != nil {
		return false, err
	}
	for _, pg := range run {
		if !o.cellPrefix(r, pg, images[pg]) {
			return false, nil
		}
	}
	for _, pg := range run {
		copy(o.im.page(pg), images[pg])
	}
	o.dmg.Targets = run
	o.dmg.Summary = fmt.Sprintf("leaf pages %s of table %s put back as they were before their newest %d rows were written (a lost write)",
		damagePages.Format(run), tr.Name, len(del))
	return true, nil
}

// cellPrefix reports whether the older image of pg holds fewer cells than
// the page has now, each byte-identical to the current cell at its index.
func (o *op) cellPrefix(r *btree.Reader, pg uint32, older []byte) bool {
	cur, err := r.Page(pg)
	if err != nil {
		return false
	}
	old, err := btree.ParsePage(pg, older, r.Usable())
	if err != nil || old.Type != cur.Type || old.CellCount >= cur.CellCount {
		return false
	}
	for i := range old.CellCount {
		a, errA := cur.Cell(i)
		b, errB := old.Cell(i)
		if errA != nil || errB != nil || a.Offset != b.Offset || a.Size != b.Size ||
			!bytes.Equal(cur.Data[a.Offset:a.Offset+a.Size], old.Data[b.Offset:b.Offset+b.Size]) {
			return false
		}
	}
	return true
}

// rowidsOn walks the table at root and returns the rowids stored on each
// of pages, in key order.
func rowidsOn(r *btree.Reader, root uint32, pages []uint32) (map[uint32][]int64, error) {
	want := map[uint32]bool{}
	for _, p := range pages {
		want[p] = true
	}
	out := map[uint32][]int64{}
	_, err := r.Walk(root, func(e *btree.Entry) error {
		if want[e.Pgno] {
			out[e.Pgno] = append(out[e.Pgno], e.Rowid)
		}
		return nil
	})
	return out, err
}

// fillRandom overwrites b with bytes from rng.
func fillRandom(rng *rand.Rand, b []byte) {
	for i := 0; i < len(b); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
}
