package recover

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// reason records why the status cannot be complete.
func (r *repairer) reason(x Reason) { r.rep.Reasons = append(r.rep.Reasons, x) }

// warn records a fact that loses nothing known.
func (r *repairer) warn(format string, args ...any) {
	r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf(format, args...))
}

// accountLostPages decides, for every page whose content is gone (zero,
// unknown, unreadable, or missing beyond the end of the file) and whose
// rows no page-level backup supplied, whose it was and what it held: an
// interior page of a rowid table or an index page loses no row; a leaf a
// metadata backup lists with its cell count loses that many rows (unless
// the same leaf, byte for byte, was found elsewhere); any other page of a
// known table loses an unknown number; a page of no known owner is
// reported on its own.
func (r *repairer) accountLostPages() {
	moved := map[uint32]bool{} // CRCs of pages the census found
	for _, p := range r.cen.Pages {
		if p.Class.Leaf() {
			moved[p.CRC] = true
		}
	}
	unowned, restored, missing, schemaLost := 0, 0, 0, false
	lose := func(pgno uint32, pointer *census.Tree) {
		beyond := int(pgno) > len(r.cen.Pages)
		if r.fromBackup[pgno] {
			restored++
			return
		}
		if beyond {
			missing++
		}
		if r.ev.overflowPage[pgno] {
			return // its row is truncated, or its leaf is lost too: counted there
		}
		if r.carvedChains[pgno] {
			return // an overflow page of a carved row, read whole
		}
		if pointer != nil && pointer.Index == 0 {
			// sqlite_master: the schema, not rows. What it held is
			// accounted object by object (from a metadata backup, or
			// as lost_and_found when nothing knows the object).
			schemaLost = true
			return
		}
		o, listed := r.ev.pageOwner(pgno)
		if !listed && pointer != nil {
			name := strings.ToLower(pointer.Name)
			if t := r.plan.byName[name]; t != nil {
				o, listed = owner{t: t}, true
			} else if r.plan.indexes[name] || pointer.Type == "index" {
				o, listed = owner{index: true}, true
			}
		}
		switch {
		case (!listed || (o.t == nil && !o.index)) && beyond:
			// Counted with the missing pages.
		case !listed || (o.t == nil && !o.index):
			unowned++
		case o.index || r.ev.interior[pgno]:
			// An index is rebuilt from the rows; a rowid table's interior
			// page holds keys only.
		default:
			t := o.t
			t.rep.PagesLostCount++
			if len(t.rep.PagesLost) < maxListed {
				t.rep.PagesLost = append(t.rep.PagesLost, pgno)
			}
			if cells, crc, known := r.listedCells(t, pgno); known {
				if !moved[crc] {
					t.lostByMeta += max(0, cells-r.carved[pgno])
				}
			} else {
				t.rep.LossUnknown = true
			}
		}
	}
	for i, p := range r.cen.Pages {
		if p.Class.Lost() {
			lose(uint32(i+1), r.cen.Owner(uint32(i+1)))
		}
	}
	// Pages beyond the end: only those something knows of are looked at
	// (a missing range can be billions of page numbers long).
	count := uint32(len(r.cen.Pages))
	beyond := map[uint32]bool{}
	for pgno := range r.ev.byPage {
		if pgno > count && pgno <= count+r.cen.Missing {
			beyond[pgno] = true
		}
	}
	for pgno := range r.fromBackup {
		if pgno > count {
			beyond[pgno] = true
		}
	}
	for _, pgno := range slices.Sorted(maps.Keys(beyond)) {
		lose(pgno, nil)
	}
	missing += int(r.cen.Missing) - min(int(r.cen.Missing), len(beyond))
	// A leaf that differs from a metadata backup taken at the file's
	// present state lost whatever rows it no longer holds.
	for pgno, placed := range r.suspect {
		l := r.current[pgno]
		o, ok := r.ev.pageOwner(pgno)
		if !ok || o.t == nil || !r.currentCounts || l.cells <= placed {
			continue
		}
		o.t.lostByMeta += l.cells - placed
	}
	for _, t := range r.plan.tables {
		t.settleLoss()
		if t.rep.LossUnknown {
			r.rep.Totals.PagesLostUnknownRows += t.rep.PagesLostCount
		}
	}
	if schemaLost && len(r.metas) > 0 {
		r.warn("sqlite_master was destroyed: the schema comes from the metadata backup of %s; a view or trigger created after it would be missing", r.metas[0].rep.CapturedAt)
	}
	if restored > 0 {
		r.reason(Reason{Code: ReasonPagesFromBackup, Pages: restored,
			Text: fmt.Sprintf("%d destroyed or missing pages were restored from the page-level backup: their rows are as of the backup, changes made since are not known", restored)})
	}
	if missing > 0 {
		r.reason(Reason{Code: ReasonPagesMissing, Pages: missing, Text: fmt.Sprintf("the file lacks %d pages at its end: %s", missing, r.cen.MissingWhy)})
	}
	if unowned > 0 {
		r.rep.Totals.PagesLostUnknownRows += unowned
		r.reason(Reason{Code: ReasonPagesLost, Pages: unowned, Text: fmt.Sprintf("%d destroyed pages belong to no known table or index: whatever they held is lost", unowned)})
	}
}

// settleLoss decides how many rows t is known to have lost: the larger of
// what the metadata backups' cell counts and what its indexes say (each is
// a lower bound; they count the same rows). A full index compared makes
// the count exact: every row is in it.
func (t *table) settleLoss() {
	rep := t.rep
	switch {
	case t.lostByIndex > t.lostByMeta:
		rep.RowsKnownLost, rep.LostHow = t.lostByIndex, "rowids its indexes list that no page holds"
	case t.lostByMeta > 0:
		rep.RowsKnownLost, rep.LostHow = t.lostByMeta, "leaf cell counts in the metadata backup"
	}
	if t.fullIndex && rep.LossUnknown {
		rep.LossUnknown = false
		if rep.RowsKnownLost == 0 {
			rep.LostHow = "its indexes name no row that was not found"
		}
	}
}

// listedCells returns the cell count and CRC the newest metadata backup
// that lists pgno as a leaf of t records for it.
func (r *repairer) listedCells(t *table, pgno uint32) (cells int, crc uint32, known bool) {
	for _, tr := range t.trees {
		for _, l := range tr.Leaves {
			if l.Pgno == pgno {
				return l.Cells, l.CRC, tr.counts
			}
		}
	}
	return 0, 0, false
}

// explained reports whether a walk error is accounted for elsewhere: a
// child page that is destroyed or beyond the end of the file (counted as
// a lost page), or a broken overflow chain (its row is kept, truncated).
func (r *repairer) explained(err error, t *table) bool {
	if errors.Is(err, pagefile.ErrPastEnd) || errors.Is(err, btree.ErrTruncated) {
		return true
	}
	var ce *pagefile.CorruptError
	if !errors.As(err, &ce) || ce.Pgno == 0 {
		return false
	}
	if r.cen.Page(ce.Pgno).Class.Lost() {
		return true
	}
	// A cell that did not read on a leaf carved afterwards: lost only if
	// carving did not find it, which the table's index, or the metadata
	// backup's cell count for the leaf, can prove.
	if _, carved := r.damagedLeaves[ce.Pgno]; carved {
		if t.fullIndex && t.lostByIndex == 0 {
			return true
		}
		if cells, _, known := r.listedCells(t, ce.Pgno); known && r.carved[ce.Pgno]+len(r.damagedLeaves[ce.Pgno].seen) >= cells {
			return true
		}
	}
	return false
}

// summarise fills the report's tables, totals, reasons and status.
func (r *repairer) summarise() {
	for _, e := range r.judged {
		r.rep.Metas = append(r.rep.Metas, *e.rep)
	}
	r.accountLostPages()
	r.countPages()
	rows := 0
	for _, t := range r.plan.tables {
		rep := t.rep
		if len(t.trees) > 0 {
			rep.LeavesExpected = len(t.trees[0].Leaves)
		}
		r.rep.Tables = append(r.rep.Tables, rep)
		rows += rep.RowsWritten
		r.rep.Totals.Recovered += rep.RowsWritten
		r.rep.Totals.KnownLost += rep.RowsKnownLost
		r.rep.Totals.Truncated += rep.Truncated
		r.rep.Totals.Damaged += rep.Damaged
		r.tableReasons(t)
	}
	r.rep.Deleted = r.deletedReports()
	for _, lt := range r.lostOrder {
		r.rep.LostAndFound = append(r.rep.LostAndFound, *lt.rep)
		rows += lt.rep.Rows
		r.rep.Totals.InLostAndFound += lt.rep.Rows
		r.reason(Reason{Code: ReasonRowsUnplaced, Rows: lt.rep.Rows, Pages: len(lt.pages),
			Text: fmt.Sprintf("%d entries kept in %s: no table is known to own them (its b-tree is topped by page %d)", lt.rep.Rows, lt.name, lt.rep.RootGuess)})
	}
	for _, c := range r.cen.Conflicts {
		r.noteDamage([]error{c})
	}
	if n := len(r.cen.Conflicts); n > 0 {
		r.reason(Reason{Code: ReasonTreeDamage, Pages: n, Text: fmt.Sprintf("%d pages are claimed by two owners, first: %v", n, r.cen.Conflicts[0])})
	}
	for _, s := range r.rep.RejectedSQL {
		r.reason(Reason{Code: ReasonSchema, Text: "not recreated: " + s})
	}
	for _, s := range r.rep.NotCreated {
		r.reason(Reason{Code: ReasonSchema, Text: "not created: " + s})
	}
	if r.rep.Integrity != "ok" {
		r.reason(Reason{Code: ReasonIntegrity, Text: "integrity_check of the output: " + r.rep.Integrity})
	}
	r.score()
	switch {
	case rows == 0 && (len(r.plan.tables) > 0 || len(r.cen.Pages) > 1):
		r.rep.Status = StatusFailed
	case len(r.rep.Reasons) == 0:
		r.rep.Status = StatusComplete
	default:
		r.rep.Status = StatusPartial
	}
}

// tableReasons lists what one table lost or could not place. An FTS5
// index shadow table rebuilt from its table's content lost nothing.
func (r *repairer) tableReasons(t *table) {
	rep := t.rep
	name := t.Name
	if t.rebuilt {
		return
	}
	switch {
	case rep.RowsKnownLost > 0 && rep.LossUnknown:
		r.reason(Reason{Code: ReasonRowsLost, Table: name, Rows: rep.RowsKnownLost, Pages: rep.PagesLostCount,
			Text: fmt.Sprintf("table %q: at least %d rows lost (%s) on %d destroyed pages, some of them of unknown row count", name, rep.RowsKnownLost, rep.LostHow, rep.PagesLostCount)})
	case rep.RowsKnownLost > 0:
		r.reason(Reason{Code: ReasonRowsLost, Table: name, Rows: rep.RowsKnownLost, Pages: rep.PagesLostCount,
			Text: fmt.Sprintf("table %q: %d rows lost on %d destroyed pages (%s)", name, rep.RowsKnownLost, rep.PagesLostCount, rep.LostHow)})
	case rep.LossUnknown:
		r.reason(Reason{Code: ReasonRowsLost, Table: name, Pages: rep.PagesLostCount,
			Text: fmt.Sprintf("table %q: %d pages destroyed; how many rows they held is unknown without a metadata backup listing them", name, rep.PagesLostCount)})
	}
	for _, c := range []struct {
		n    int
		code string
		text string
	}{
		{rep.Truncated, ReasonRowsTruncated, "rows kept with a value cut short (broken overflow chain)"},
		{rep.Damaged, ReasonRowsDamaged, "rows kept but flagged damaged: a value may not be what was written (an overflow page overwritten, zeroed or changed since the metadata backup, record sizes that do not add up, a page changed since a current metadata backup, or a row its index lists found only in a leaf's free space)"},
		{rep.Rejected, ReasonRowsRejected, "rows SQLite refused (a constraint), kept in lost_and_found"},
		{rep.IndexMismatch, ReasonRowsDamaged, "rows whose indexed values differ from what the damaged file's own index recorded for them: the row, or the index, is damaged"},
		{rep.ToLostAndFound, ReasonRowsUnplaced, "entries found in its b-tree that are not its rows, kept in lost_and_found"},
	} {
		if c.n > 0 {
			r.reason(Reason{Code: c.code, Table: name, Rows: c.n, Text: fmt.Sprintf("table %q: %d %s", name, c.n, c.text)})
		}
	}
	if n := len(t.spaceErrors); n > 0 && t.fullIndex && t.lostByIndex == 0 && rep.IndexMismatch == 0 {
		r.warn("table %q: %d leaves whose space does not add up (first: %v); its index lists no row that was not found", name, n, t.spaceErrors[0])
	} else if n > 0 {
		r.reason(Reason{Code: ReasonTreeDamage, Table: name, Pages: n,
			Text: fmt.Sprintf("table %q: %d leaves whose space does not add up (first: %v); rows on them may be missing or damaged", name, n, t.spaceErrors[0])})
	}
	if errs := r.unexplained(t); len(errs) > 0 {
		r.reason(Reason{Code: ReasonTreeDamage, Table: name,
			Text: fmt.Sprintf("table %q: its b-tree is damaged (%d problems, first: %v); rows below the damage may be lost", name, len(errs), errs[0])})
	}
	if !t.Virtual && !t.shadow && rep.RowsWritten == 0 && !r.treeFound(t) && (len(t.trees) == 0 || t.trees[0].entries() != 0) {
		r.reason(Reason{Code: ReasonNothingInTable, Table: name, Text: fmt.Sprintf("table %q: no page of it was found", name)})
	}
}

// unexplained lists the damage t's walks met that no lost page or
// truncated row accounts for.
func (r *repairer) unexplained(t *table) []error {
	var out []error
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan || !strings.EqualFold(ct.Name, t.Name) || ct.Walk == nil {
			continue
		}
		for _, e := range ct.Walk.Errors {
			if !r.explained(e, t) {
				out = append(out, e)
			}
		}
	}
	return out
}

// treeFound reports whether the census walked a tree of t.
func (r *repairer) treeFound(t *table) bool {
	for _, ct := range r.cen.Trees {
		if ct.From != census.FromOrphan && strings.EqualFold(ct.Name, t.Name) && ct.Walk != nil {
			return true
		}
	}
	return false
}

// countPages fills the page report from the census.
func (r *repairer) countPages() {
	pr := &r.rep.Pages
	pr.Total = uint32(len(r.cen.Pages))
	pr.Missing = r.cen.Missing
	for _, p := range r.cen.Pages {
		switch {
		case p.Class == census.FreelistTrunk || p.Class == census.FreelistLeaf:
			pr.Freelist++
		case p.Class == census.Ptrmap:
			pr.Ptrmap++
		case p.Class == census.Zero:
			pr.Zero++
		case p.Class == census.Unknown || p.Class == census.Unreadable:
			pr.Unreadable++
		case p.Tree >= 0 && r.cen.Trees[p.Tree].From == census.FromOrphan:
			pr.Orphaned++
		case p.Tree >= 0:
			pr.Walked++
		}
	}
}

// score computes the page-based score earlier releases reported.
func (r *repairer) score() {
	pr := &r.rep.Pages
	gone := pr.Zero + pr.Unreadable + pr.Missing
	lost := gone - min(pr.FromBackup, gone)
	r.rep.Score = Score{RowPagesRecovered: pr.Walked + pr.Orphaned + pr.FromBackup, RowPagesLost: lost}
	if total := r.rep.Score.RowPagesRecovered + lost; total > 0 {
		r.rep.Score.Percent = 100 * float64(r.rep.Score.RowPagesRecovered) / float64(total)
	}
}

// overflowChanged reports whether an entry's overflow pages differ from
// the metadata backup's although its leaf does not: the leaf unchanged
// since the backup means its rows, and so their overflow pages, are too,
// so a different overflow page is damage (a destroyed page at the end of
// a chain reads as valid data, and nothing else would tell).
func (r *repairer) overflowChanged(e *btree.Entry) bool {
	if len(e.Overflow) == 0 {
		return false
	}
	if crc, ok := r.ev.leafCRC[e.Pgno]; !ok || crc != r.cen.Page(e.Pgno).CRC {
		return false
	}
	for _, pg := range e.Overflow {
		if crc, ok := r.ev.overflowCRC[pg]; ok && crc != r.cen.Page(pg).CRC {
			return true
		}
	}
	return false
}
