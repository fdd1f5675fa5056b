package recover

import (
	"context"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// metaPage says which table the metadata backup lists a page under (nil:
// an index).
type metaPage struct {
	t *table
}

// scanOrphans classifies every page no walk reached, groups the b-tree
// pages among them into orphan trees (each topmost orphan page with what
// hangs below it; a lone leaf is a tree of one page), decides for each
// tree which table its rows belong to, and writes them there or to a
// lost_and_found table.
func (r *repairer) scanOrphans(ctx context.Context) ([]uint32, error) {
	free := map[uint32]bool{}
	fl := r.f.Freelist()
	for _, p := range append(fl.Trunks, fl.Leaves...) {
		free[p] = true
	}
	pr := &r.rep.Pages
	pr.Total = r.f.PageCount()
	child := map[uint32]bool{}
	var orphans, lost []uint32
	buf := make([]byte, r.f.Geometry.PageSize)
	for pgno := uint32(1); pgno <= pr.Total; pgno++ {
		if pgno%progressEvery == 0 {
			r.progress("scan", int(pgno), int(pr.Total))
		}
		switch {
		case r.reached[pgno]:
			pr.Walked++
			continue
		case free[pgno]:
			pr.Freelist++
			continue
		case r.f.IsPtrmapPage(pgno):
			pr.Ptrmap++
			continue
		case r.f.IsLockBytePage(pgno):
			continue
		}
		if err := r.f.ReadPage(pgno, buf); err != nil {
			pr.Unreadable++
			lost = append(lost, pgno)
			continue
		}
		if allZero(buf) {
			pr.Zero++
			lost = append(lost, pgno)
			continue
		}
		p, err := btree.ParsePage(pgno, buf, r.f.Usable())
		if err != nil {
			pr.Unreadable++
			lost = append(lost, pgno)
			continue
		}
		orphans = append(orphans, pgno)
		if !p.Type.Leaf() {
			for i := 0; i < p.CellCount; i++ {
				if c, err := p.Cell(i); err == nil {
					child[c.LeftChild] = true
				}
			}
			child[p.RightChild] = true
		}
	}
	metaPages := r.metaPages()
	for _, root := range orphans {
		if child[root] || r.reached[root] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := r.placeTree(ctx, root, metaPages); err != nil {
			return nil, err
		}
	}
	// Pages beyond the end of a truncated file are lost too.
	if b := r.opts.Backup; b != nil && b.Source != nil {
		for pgno := pr.Total + 1; pgno <= b.Source.PageCount(); pgno++ {
			lost = append(lost, pgno)
		}
	}
	return lost, nil
}

// indexMetaLeaves builds crcOwner from the metadata backup's leaf CRCs.
func (r *repairer) indexMetaLeaves() {
	r.crcOwner = map[uint32]*table{}
	if r.meta == nil {
		return
	}
	for _, tr := range r.meta.Trees {
		t := r.plan.byName[strings.ToLower(tr.Name)]
		for _, l := range tr.Leaves {
			if prev, seen := r.crcOwner[l.CRC]; seen && prev != t {
				t = nil
			}
			r.crcOwner[l.CRC] = t
		}
	}
}

// metaPages maps every page the metadata backup lists to its table; pages
// of index b-trees map to a nil table.
func (r *repairer) metaPages() map[uint32]metaPage {
	out := map[uint32]metaPage{}
	if r.meta != nil {
		for _, tr := range r.meta.Trees {
			if _, isTable := r.plan.byName[strings.ToLower(tr.Name)]; isTable || tr.Name == "sqlite_master" {
				continue
			}
			for _, l := range tr.Leaves {
				out[l.Pgno] = metaPage{}
			}
			for _, p := range tr.Interior {
				out[p] = metaPage{}
			}
		}
	}
	for _, t := range r.plan.tables {
		if t.tree == nil {
			continue
		}
		for _, l := range t.tree.Leaves {
			out[l.Pgno] = metaPage{t: t}
		}
		for _, p := range t.tree.Interior {
			out[p] = metaPage{t: t}
		}
	}
	return out
}

// placeTree decides the table of the orphan tree topped by root and writes
// its rows: a first walk gathers the evidence (metadata backup listings,
// the pointer map, record shapes), a second writes the rows.
func (r *repairer) placeTree(ctx context.Context, root uint32, metaPages map[uint32]metaPage) error {
	ev := &evidence{metaVotes: map[*table]int{}, crcVotes: map[*table]int{}, shape: map[*table]*shapeTally{}}
	var isTable bool
	first := true
	res, err := r.rd.WalkTree(root, btree.WalkOptions{
		ChainsOnly: true,
		OnPage: func(p *btree.Page) {
			if first {
				isTable, first = p.Type.Table(), false
			}
			// A leaf byte-identical to one the backup lists settles it,
			// wherever it sits now; else the backup's owner of this page
			// number votes.
			if owner, ok := r.crcOwner[master.PageCRC(p.Data)]; ok && p.Type.Leaf() {
				if owner != nil {
					ev.crcVotes[owner]++
				} else {
					ev.indexPages++
				}
			} else if mp, ok := metaPages[p.Pgno]; ok {
				if mp.t != nil {
					ev.metaVotes[mp.t]++
				} else {
					ev.indexPages++
				}
			}
		},
		OnEntry: func(e *btree.Entry) error {
			types, _, err := btree.RecordHeader(e.Payload)
			if err != nil {
				return nil
			}
			ev.rows++
			for _, t := range r.plan.tables {
				if t.Virtual || t.info.Name == "" || t.info.WithoutRowid == isTable {
					continue
				}
				st := ev.shape[t]
				if st == nil {
					st = &shapeTally{}
					ev.shape[t] = st
				}
				if ok, strong := compatible(&t.info, types); ok {
					st.ok++
					st.strong += strong
					if len(types) == len(t.info.RecordOrder) {
						st.exact++
					}
					if isTable && t.keys.has(e.Rowid) {
						st.overlap++
					}
				}
			}
			return nil
		},
	})
	if err != nil || len(res.Pages) == 0 {
		return err
	}
	t := r.chooseTable(root, ev)
	if t == nil && !isTable && (ev.indexPages > 0 || r.indexDamaged) {
		// Part of a known index (the metadata backup lists it so, or an
		// index walk lost this subtree): indexes are rebuilt from the
		// rows, so its entries are not needed. An index-shaped tree that
		// no known index explains may be a WITHOUT ROWID table whose
		// schema row is gone, and is kept in lost_and_found.
		r.markOrphans(res)
		return nil
	}
	pageRank := map[uint32]rank{}
	var werr error
	res2, err := r.rd.WalkTree(root, btree.WalkOptions{
		OnPage: func(p *btree.Page) {
			pageRank[p.Pgno] = rankOrphan
			if owner, ok := r.crcOwner[master.PageCRC(p.Data)]; ok && owner == t && t != nil {
				pageRank[p.Pgno] = rankCRC
			}
		},
		OnEntry: func(e *btree.Entry) error {
			if r.reached[e.Pgno] {
				return nil // a live page under a stale interior page
			}
			if t == nil {
				vals, _ := r.rd.Record(e.Payload)
				werr = r.toLostAndFound(ctx, root, map[bool]string{true: "table", false: "index"}[isTable], e, vals)
			} else {
				werr = r.place(ctx, t, e, pageRank[e.Pgno])
			}
			return werr
		},
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	r.markOrphans(res2)
	if lt := r.lost[root]; lt != nil {
		lt.rep.Pages = len(lt.pages)
	}
	return nil
}

// markOrphans counts an orphan tree's pages and marks them reached.
func (r *repairer) markOrphans(res *btree.WalkResult) {
	for _, v := range res.Pages {
		if !r.reached[v.Pgno] {
			r.rep.Pages.Orphaned++
		}
	}
	r.markWalk(res)
}

// evidence gathered about one orphan tree.
type evidence struct {
	rows       int
	indexPages int            // pages the metadata backup lists under an index
	crcVotes   map[*table]int // leaves byte-identical to a table's leaf in the backup
	metaVotes  map[*table]int
	shape      map[*table]*shapeTally
}

type shapeTally struct{ ok, strong, exact, overlap int }

// chooseTable picks the table an orphan tree belongs to: the table whose
// pages the metadata backup lists it among; else the table whose root the
// pointer map leads to; else the one table its records fit best, tables
// whose walk met damage first (their missing rows are the ones orphaned);
// nil when no table fits or two fit equally.
func (r *repairer) chooseTable(root uint32, ev *evidence) *table {
	var best *table
	for t, n := range ev.crcVotes {
		if best == nil || n > ev.crcVotes[best] {
			best = t
		}
	}
	if best != nil {
		return best
	}
	for t, n := range ev.metaVotes {
		if best == nil || n > ev.metaVotes[best] {
			best = t
		}
	}
	if best != nil {
		return best
	}
	if t := r.ptrmapTable(root); t != nil {
		return t
	}
	type cand struct {
		t *table
		s *shapeTally
	}
	var cands []cand
	for t, s := range ev.shape {
		if ev.rows > 0 && s.ok*100 >= ev.rows*98 {
			cands = append(cands, cand{t, s})
		}
	}
	if len(cands) == 0 {
		return nil
	}
	better := func(a, b cand) int { // >0 when a is better
		for _, d := range []int{b2i(a.t.damaged) - b2i(b.t.damaged), b.s.overlap - a.s.overlap, a.s.ok - b.s.ok, a.s.exact - b.s.exact, a.s.strong - b.s.strong} {
			if d != 0 {
				return d
			}
		}
		return 0
	}
	slices.SortFunc(cands, func(a, b cand) int { return better(b, a) })
	if len(cands) > 1 && better(cands[0], cands[1]) == 0 {
		return nil // two tables fit equally: do not guess
	}
	return cands[0].t
}

// ptrmapTable follows an auto_vacuum database's pointer map from page up
// to a root page, and returns the table with that root.
func (r *repairer) ptrmapTable(pgno uint32) *table {
	if !r.f.HasPtrmap() {
		return nil
	}
	for range 64 {
		e, err := r.f.Ptrmap(pgno)
		if err != nil {
			return nil
		}
		switch e.Type {
		case pagefile.PtrmapRootPage:
			return r.plan.byRoot[pgno]
		case pagefile.PtrmapBtree:
			pgno = e.Parent
		default:
			return nil
		}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
