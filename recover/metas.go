package recover

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/master"
)

// metaEvidence is one metadata backup given to the repair. A metadata
// backup is evidence, not orders: it is checked against the file before
// anything of it is used, and the file's own intact schema rows win.
type metaEvidence struct {
	rep *MetaReport
	m   *master.Meta
	// tables and trees index its schema by lower-case name.
	tables map[string]*master.Table
	trees  map[string]*master.Tree
}

// loadMetas reads every metadata backup given (each path's newest valid
// generation) and the one stored with a page-level backup, newest capture
// first. One that cannot be read is reported and makes the repair partial.
func (r *repairer) loadMetas() {
	var all []*metaEvidence
	add := func(path, used string, m *master.Meta) {
		e := &metaEvidence{m: m, tables: map[string]*master.Table{}, trees: map[string]*master.Tree{}}
		e.rep = &MetaReport{Path: path, Used: used, CapturedAt: time.Unix(0, m.CapturedAt).UTC().Format(time.RFC3339)}
		for i := range m.Tables {
			e.tables[strings.ToLower(m.Tables[i].Name)] = &m.Tables[i]
		}
		for i := range m.Trees {
			e.trees[strings.ToLower(m.Trees[i].Name)] = &m.Trees[i]
		}
		all = append(all, e)
	}
	for _, p := range r.opts.MetaPaths {
		m, used, err := master.ReadLatest(p)
		if err != nil {
			r.rep.MetaErrors = append(r.rep.MetaErrors, err.Error())
			r.reason(Reason{Code: ReasonMeta, Text: fmt.Sprintf("metadata backup %s cannot be read: %v", p, err)})
			continue
		}
		add(p, used, m)
	}
	if b := r.opts.Backup; b != nil && b.Meta != nil {
		// The page-level backup carries the metadata of its own snapshot.
		add("(stored with the page-level backup)", "", b.Meta)
	}
	slices.SortStableFunc(all, func(a, b *metaEvidence) int { return cmp.Compare(b.m.CapturedAt, a.m.CapturedAt) })
	r.metas = all
}

// hint is what the newest metadata backup tells the geometry policy.
func (r *repairer) hint() census.Hint {
	if len(r.metas) == 0 {
		return census.Hint{}
	}
	h := r.metas[0].m.Header
	return census.Hint{PageSize: h.PageSize, Reserved: h.ReservedBytes, Encoding: h.TextEncoding, PageCount: h.PageCount}
}

// metaSampleLeaves bounds how many leaves of a metadata backup are
// compared with the file before the census.
const metaSampleLeaves = 2048

// judgeMetas checks every metadata backup against the file and keeps the
// ones that match. A backup is refused when its page size differs from a
// trusted header's, or when none of the leaves sampled from its page lists
// is still in place and fewer than half of its table roots hold pages of
// the kind it records there (a backup of another database, or of this one
// before it was rebuilt). What matches is used: its schema fills what the
// file lost, and its page lists are evidence for pages that fit.
func (r *repairer) judgeMetas(geo census.Geometry) {
	var kept []*metaEvidence
	for _, e := range r.metas {
		why := r.mismatch(e, geo)
		e.rep.Verdict = MetaUsed
		if why != "" {
			e.rep.Verdict, e.rep.Why = MetaRefused, why
			r.reason(Reason{Code: ReasonMeta, Text: fmt.Sprintf("metadata backup %s refused: %s", e.rep.Path, why)})
		} else {
			kept = append(kept, e)
		}
	}
	r.judged, r.metas = r.metas, kept
	if len(kept) > 0 {
		r.rep.Meta = kept[0].rep.Used
		if r.rep.Meta == "" {
			r.rep.Meta = kept[0].rep.Path
		}
	}
}

// mismatch says why a metadata backup does not describe this file, or "".
// The page size must match. When the file's sqlite_master is intact, the
// backup must share at least one object with it (same name, kind, root
// and SQL): a backup of another database shares none. When it is not,
// some leaf the backup lists must still be in place, or at least half of
// its table roots must lead to rows that fit its tables.
func (r *repairer) mismatch(e *metaEvidence, geo census.Geometry) string {
	h := e.m.Header
	if geo.From == census.FromHeader && (h.PageSize != geo.PageSize || h.ReservedBytes != geo.Reserved) {
		return fmt.Sprintf("it records pages of %d bytes (%d reserved), the file's header says %d (%d)", h.PageSize, h.ReservedBytes, geo.PageSize, geo.Reserved)
	}
	if h.PageSize != r.f.Geometry.PageSize {
		return fmt.Sprintf("it records pages of %d bytes, the file's pages are %d bytes", h.PageSize, r.f.Geometry.PageSize)
	}
	if rows, ok := r.intactSchema(); ok {
		for _, m := range e.m.Schema {
			for _, f := range rows {
				if f.Type == m.Type && strings.EqualFold(f.Name, m.Name) && f.RootPage == int64(m.RootPage) && f.SQL == m.SQL {
					return ""
				}
			}
		}
		return "it has no object in common with the file's intact sqlite_master (name, root page and SQL)"
	}
	var leaves []master.Leaf
	for _, t := range e.m.Trees {
		leaves = append(leaves, t.Leaves...)
	}
	step := max(1, len(leaves)/metaSampleLeaves)
	buf := make([]byte, r.f.Geometry.PageSize)
	for i := 0; i < len(leaves); i += step {
		e.rep.LeavesSampled++
		if r.f.ReadPage(leaves[i].Pgno, buf) == nil && master.PageCRC(buf) == leaves[i].CRC {
			e.rep.LeavesInPlace++
		}
	}
	if e.rep.LeavesInPlace > 0 {
		return ""
	}
	ok, roots := r.rootsAgree(e)
	if roots == 0 || 2*ok >= roots {
		return ""
	}
	if e.rep.LeavesSampled == 0 {
		return fmt.Sprintf("only %d of its %d table roots lead to rows of its tables", ok, roots)
	}
	return fmt.Sprintf("none of the %d leaf pages compared is in the file, and only %d of its %d table roots lead to rows of its tables", e.rep.LeavesSampled, ok, roots)
}

// intactSchema returns the file's sqlite_master rows when its tree walks
// without damage and every row decodes. (The census, which needs the
// judged backups' roots, comes later.)
func (r *repairer) intactSchema() ([]btree.SchemaRow, bool) {
	rows, res, err := r.rd.ReadSchema()
	if err != nil || len(rows) == 0 || len(res.Errors) > 0 {
		return nil, false
	}
	return rows, true
}

// rootsAgree counts the metadata backup's tables whose root page in the
// file leads (down its leftmost children) to a table leaf whose records
// fit the table.
func (r *repairer) rootsAgree(e *metaEvidence) (ok, roots int) {
	for _, row := range e.m.Schema {
		t := e.tables[strings.ToLower(row.Name)]
		if row.Type != "table" || row.RootPage == 0 || t == nil || strings.HasPrefix(strings.ToLower(row.Name), "sqlite_") {
			continue
		}
		roots++
		pgno := row.RootPage
		for depth := 0; depth < btree.MaxDepth; depth++ {
			p, err := r.rd.Page(pgno)
			if err != nil || p.Type.Table() == t.WithoutRowid {
				break
			}
			if p.Type.Leaf() {
				if fitShare(t, p) >= 0.5 {
					ok++
				}
				break
			}
			c, err := p.Cell(0)
			if err != nil {
				break
			}
			pgno = c.LeftChild
		}
	}
	return ok, roots
}

// fitShare is the share of a page's cells whose records fit table t (1
// for a page without readable cells).
func fitShare(t *master.Table, p *btree.Page) float64 {
	return shareOf(p, func(types []uint64) bool {
		ok, _ := compatible(t, types)
		return ok
	})
}

// shareOf is the share of a page's records for which fits holds (1 for a
// page without a readable record).
func shareOf(p *btree.Page, fits func([]uint64) bool) float64 {
	fit, total := 0, 0
	recordTypes(p, func(types []uint64) {
		total++
		if fits(types) {
			fit++
		}
	})
	if total == 0 {
		return 1
	}
	return float64(fit) / float64(total)
}

// recordTypes calls fn with the serial types of every record on p whose
// cell and record header read. The slice is reused from one call to the
// next: fn must not keep it.
func recordTypes(p *btree.Page, fn func(types []uint64)) {
	var buf []uint64
	var c btree.Cell
	for i := 0; i < p.CellCount; i++ {
		if p.ReadCell(i, &c) != nil {
			continue
		}
		types, _, err := btree.AppendRecordTypes(buf[:0], c.Local)
		if err == nil {
			fn(types)
		}
		buf = types
	}
}

// roots lists the b-tree roots the usable metadata backups know, for the
// census to walk before it groups orphans: a root the file's sqlite_master
// lost still tops its tree, and walking it first keeps stale interior
// pages from claiming its leaves.
func (r *repairer) metaRoots() []census.Root {
	var out []census.Root
	for _, e := range r.metas {
		for _, row := range e.m.Schema {
			if (row.Type == "table" || row.Type == "index") && row.RootPage > 0 {
				out = append(out, census.Root{Type: row.Type, Name: row.Name, TblName: row.TblName, Pgno: row.RootPage})
			}
		}
	}
	return out
}
