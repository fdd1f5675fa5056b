package corpus

import (
	"context"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Layout is what the census finds in a database (see readLayout): every
// b-tree named in sqlite_master (and sqlite_master itself) with the pages
// and overflow chains its walk reaches, and the freelist. Operators choose
// their targets from it; the truth takes each row's location from it.
type Layout struct {
	PageCount uint32
	Usable    int
	Trees     []*Tree
	Freelist  *pagefile.Freelist
}

// Tree is one b-tree of a Layout.
type Tree struct {
	Type    string // "table" or "index", from sqlite_master
	Name    string
	TblName string
	SQL     string
	Root    uint32
	// IndexTree is true for index b-trees: indexes and WITHOUT ROWID
	// tables (told apart by the root page's type, not by parsing SQL).
	IndexTree bool
	Pages     []btree.PageVisit
	Chains    [][]uint32 // overflow chains in walk order, one per spilling entry
	// Entries is filled for tables when the layout is read with entries:
	// where each row is stored.
	Entries []Entry
	Errors  []error
}

// UserTable reports whether the tree holds an application table's rows
// (not sqlite_master, sqlite_sequence or another internal table).
func (t *Tree) UserTable() bool {
	return t.Type == "table" && !strings.HasPrefix(strings.ToLower(t.Name), "sqlite_")
}

// Entry is where one row of a table is stored.
type Entry struct {
	Rowid int64 // rowid tables
	// Record is the decoded record; kept only for WITHOUT ROWID tables,
	// whose key is in it.
	Record []any
	// Fields is the number of fields the record stores; fewer than the
	// table's columns for rows written before an ADD COLUMN.
	Fields int
	// Extents are the bytes the row occupies: its cell, then the used part
	// of each overflow page.
	Extents []Extent
	// Err is set when the payload or record did not read cleanly.
	Err error
}

// Extent is a byte range of one page.
type Extent struct {
	Pgno   uint32
	Offset int
	Size   int
}

// readLayout is a projection of a census of f (package census, the one
// survey of a file's pages): the trees sqlite_master names, and
// sqlite_master itself, with the pages and the damage the census's walks
// found, and the census's freelist. What a layout needs beyond the census,
// each entry's overflow chain and, withEntries, where each row of a table
// is stored, comes from walking each tree again through the census
// (Census.Walk), which enters only the pages the census gave that tree.
// Damage is recorded in the trees' Errors, never returned: a layout of a
// damaged file is partial, not absent.
func readLayout(f *pagefile.File, withEntries bool) *Layout {
	r := btree.ReaderFor(f)
	lay := &Layout{PageCount: f.PageCount(), Usable: f.Usable()}
	// A census fails only when its context ends, which Background never
	// does.
	c, err := census.Take(context.Background(), f, r, census.Options{})
	if err != nil {
		return lay
	}
	lay.Freelist = c.Freelist
	for _, ct := range c.Trees {
		if ct.From != census.FromSchema || ct.Root == 0 {
			continue // an orphan, or a schema row whose rootpage is no page
		}
		t := &Tree{Type: ct.Type, Name: ct.Name, TblName: ct.TblName, SQL: ct.SQL, Root: ct.Root, IndexTree: ct.IndexTree}
		if ct.Err != nil {
			t.Errors = append(t.Errors, ct.Err)
		}
		if ct.Walk != nil {
			t.Pages, t.Errors = ct.Walk.Pages, append(t.Errors, ct.Walk.Errors...)
		}
		entries := withEntries && t.Type == "table"
		cells := &cellCache{r: r}
		// The census's own walk has already reported this tree's damage.
		_, _ = c.Walk(ct.Index, btree.WalkOptions{ChainsOnly: !entries, OnEntry: func(e *btree.Entry) error {
			if len(e.Overflow) > 0 {
				t.Chains = append(t.Chains, e.Overflow)
			}
			if entries {
				t.Entries = append(t.Entries, entryOf(r, cells, e))
			}
			return nil
		}})
		lay.Trees = append(lay.Trees, t)
	}
	return lay
}

// cellCache keeps the last page parsed: a walk meets a page's cells in a row.
type cellCache struct {
	r    *btree.Reader
	page *btree.Page
}

func (c *cellCache) cell(pgno uint32, i int) (*btree.Cell, error) {
	if c.page == nil || c.page.Pgno != pgno {
		p, err := c.r.Page(pgno)
		if err != nil {
			return nil, err
		}
		c.page = p
	}
	return c.page.Cell(i)
}

// entryOf locates one walked entry: its cell and the used part of each of
// its overflow pages.
func entryOf(r *btree.Reader, cells *cellCache, e *btree.Entry) Entry {
	out := Entry{Rowid: e.Rowid, Err: e.PayloadErr}
	c, err := cells.cell(e.Pgno, e.Cell)
	if err != nil {
		out.Err = err
		return out
	}
	out.Extents = append(out.Extents, Extent{Pgno: e.Pgno, Offset: c.Offset, Size: c.Size})
	remaining := c.PayloadSize - int64(len(c.Local))
	for _, pg := range e.Overflow {
		n := min(remaining, int64(r.Usable()-4))
		out.Extents = append(out.Extents, Extent{Pgno: pg, Offset: 0, Size: 4 + int(n)})
		remaining -= n
	}
	if cells.page.Type.Table() {
		// The key is the rowid: count the fields, keep no values.
		types, _, err := btree.RecordHeader(e.Payload)
		if out.Err == nil {
			out.Err = err
		}
		out.Fields = len(types)
		return out
	}
	rec, err := r.Record(e.Payload)
	if out.Err == nil {
		out.Err = err
	}
	out.Record, out.Fields = rec, len(rec)
	return out
}

// userTrees returns the trees holding application tables' rows.
func (l *Layout) userTrees() []*Tree {
	var out []*Tree
	for _, t := range l.Trees {
		if t.UserTable() {
			out = append(out, t)
		}
	}
	return out
}

// tree returns the tree named name, or nil.
func (l *Layout) tree(name string) *Tree {
	for _, t := range l.Trees {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}
