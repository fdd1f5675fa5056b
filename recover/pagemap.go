package recover

import "github.com/dbrescue/dbrescue/census"

// PageOutcome is what a repair made of one page of its input.
type PageOutcome uint8

// Page outcomes.
const (
	// PageNoRows: the page held no rows (a freelist, pointer-map or
	// lock-byte page).
	PageNoRows PageOutcome = iota
	// PageRecovered: what the page held is in the new database: rows in
	// their table, the schema, index entries the new indexes rebuild,
	// keys of an interior page, a part of a row's overflow chain.
	PageRecovered
	// PageRestored: the page's content is gone from the file, and the
	// rows of the table leaf it was were read from the page-level
	// backup's copy.
	PageRestored
	// PageLostAndFound: entries the page holds (a leaf's rows, an index
	// page's entries no index is known to own) were kept in a
	// lost_and_found table.
	PageLostAndFound
	// PageLost: the page's content is gone (zero, unreadable, garbage,
	// or missing beyond the end of the file) and no backup gave it back.
	PageLost
)

// PageMap is the census a repair took of its input, with what the repair
// made of every page: what `dbrescue repair --map` draws. It is read from
// the repair's own state once the output is written, so it says what
// happened, not what was planned.
type PageMap struct {
	Census   *census.Census
	kept     map[uint32]bool // pages with rows in a lost_and_found table
	restored map[uint32]bool // lost pages whose rows the backup gave
}

// Outcome is what the repair made of page pgno: a page of the file, or
// one missing beyond its end (up to Census.Missing of them).
func (m *PageMap) Outcome(pgno uint32) PageOutcome {
	switch {
	case m.restored[pgno]:
		return PageRestored
	case int(pgno) > len(m.Census.Pages):
		return PageLost
	}
	p := m.Census.Page(pgno)
	switch {
	case p.Class.Lost():
		return PageLost
	case m.kept[pgno]:
		return PageLostAndFound
	case p.Class.BTree() || p.Class == census.Overflow:
		return PageRecovered
	}
	return PageNoRows
}

// pageMap is the PageMap of a finished repair.
func (r *repairer) pageMap() *PageMap {
	kept := map[uint32]bool{}
	for _, lt := range r.lostOrder {
		for pgno := range lt.pages {
			kept[pgno] = true
		}
	}
	return &PageMap{Census: r.cen, kept: kept, restored: r.fromBackup}
}
