package census

import (
	"context"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// claimStructure claims the pages whose use the geometry alone decides:
// the lock-byte page and the pointer-map pages.
func (c *Census) claimStructure() {
	f := c.File
	c.claim(pagefile.LockBytePage(f.Geometry.PageSize), LockByte, -1)
	if f.HasPtrmap() {
		for pgno := uint32(2); pgno <= f.PageCount(); pgno++ {
			if f.IsPtrmapPage(pgno) {
				c.claim(pgno, Ptrmap, -1)
			}
		}
	}
}

// claim gives page pgno its class and owner, unless something claimed it
// first: that is recorded as a conflict. Pages outside the file are
// ignored here; walks and the freelist report them.
func (c *Census) claim(pgno uint32, class Class, tree int) bool {
	if pgno == 0 || int(pgno) > len(c.Pages) {
		return false
	}
	p := &c.Pages[pgno-1]
	if p.Class != Unclassified {
		c.conflict(pgno, "claimed as "+c.describe(class, tree))
		return false
	}
	p.Class, p.Tree = class, int32(tree)
	return true
}

// conflict records a second claim on page pgno; how says what claims it.
func (c *Census) conflict(pgno uint32, how string) {
	p := c.Pages[pgno-1]
	c.Conflicts = append(c.Conflicts, pagefile.Corrupt(pgno, 0, pagefile.ErrBadValue,
		"page %d is %s but is already %s", pgno, how, c.describe(p.Class, int(p.Tree))))
}

// reachedFrom names tree i for a conflict message.
func (c *Census) reachedFrom(i int) string {
	if t := c.Trees[i]; t.Name != "" {
		return fmt.Sprintf("reached from b-tree %q", t.Name)
	}
	return fmt.Sprintf("reached from the %s tree at page %d", c.Trees[i].From, c.Trees[i].Root)
}

func (c *Census) describe(class Class, tree int) string {
	if tree >= 0 && tree < len(c.Trees) {
		t := c.Trees[tree]
		if t.Name != "" {
			return fmt.Sprintf("%s of b-tree %q", class, t.Name)
		}
		return fmt.Sprintf("%s of the %s tree at page %d", class, t.From, t.Root)
	}
	return class.String()
}

// walkNamedTrees walks sqlite_master, every b-tree its rows name, then the
// hint's roots sqlite_master does not name.
func (c *Census) walkNamedTrees(ctx context.Context, hint Hint) error {
	rows, _, err := c.Reader.ReadSchema()
	if err != nil {
		return err
	}
	c.Schema = rows
	master := c.addTree(&Tree{Type: "table", Name: "sqlite_master", TblName: "sqlite_master", Root: btree.SchemaRoot, From: FromSchema})
	c.walk(master, true)
	named := map[uint32]bool{btree.SchemaRoot: true}
	for _, row := range rows {
		if row.Type != "table" && row.Type != "index" || row.RootPage == 0 {
			continue // views, triggers and virtual tables have no b-tree
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		t := c.addTree(&Tree{Type: row.Type, Name: row.Name, TblName: row.TblName, SQL: row.SQL, From: FromSchema})
		if row.RootPage < 0 || row.RootPage > int64(c.File.PageCount()) {
			t.Err = pagefile.Corrupt(row.Pgno, 0, pagefile.ErrOutOfRange,
				"sqlite_master row %d (%s %q) has rootpage %d, outside the %d pages", row.Rowid, row.Type, row.Name, row.RootPage, c.File.PageCount())
			continue
		}
		t.Root = uint32(row.RootPage)
		named[t.Root] = true
		c.walk(t, true)
	}
	for _, r := range hint.Roots {
		if named[r.Pgno] || r.Pgno == 0 || r.Pgno > c.File.PageCount() {
			continue
		}
		named[r.Pgno] = true
		// A hint may be stale: its root is no claim on the file, so a
		// page found taken is not a conflict.
		c.walk(c.addTree(&Tree{Type: r.Type, Name: r.Name, TblName: r.TblName, Root: r.Pgno, From: FromHint}), false)
	}
	return nil
}

func (c *Census) addTree(t *Tree) *Tree {
	t.Index = len(c.Trees)
	c.Trees = append(c.Trees, t)
	return t
}

// walk walks t structurally and claims what it reaches. A page something
// else claimed first is not entered: with report set (trees the file or
// the hint names), that is a conflict. Pages the walk pointed at but could
// not use remember t as the tree that pointed at them.
func (c *Census) walk(t *Tree, report bool) {
	if p := &c.Pages[t.Root-1]; p.Class != Unclassified {
		if report {
			c.conflict(t.Root, c.reachedFrom(t.Index))
		}
		t.Err = fmt.Errorf("census: root page %d is already %s", t.Root, c.describe(p.Class, int(p.Tree)))
		return
	}
	var entered []uint32
	res, _ := c.walker.WalkTree(t.Root, btree.WalkOptions{
		ChainsOnly: true,
		Skip: func(pgno uint32) bool {
			if p := &c.Pages[pgno-1]; p.Class != Unclassified {
				if report {
					c.conflict(pgno, c.reachedFrom(t.Index))
				}
				return true
			}
			entered = append(entered, pgno)
			return false
		},
		OnPage: func(p *btree.Page) {
			if p.Pgno == t.Root {
				t.IndexTree = !p.Type.Table()
			}
			c.claim(p.Pgno, ClassOf(p.Type), t.Index)
			c.took(p)
		},
		OnOverflow: func(pgno uint32, page []byte) {
			c.Pages[pgno-1].CRC, c.read[pgno-1] = crcOf(page), true
		},
	})
	t.Walk = res
	for _, o := range res.Overflow {
		if p := &c.Pages[o-1]; p.Class == Unclassified {
			p.Class, p.Tree = Overflow, int32(t.Index)
		} else if report {
			c.conflict(o, "an overflow page "+c.reachedFrom(t.Index))
		}
	}
	// A child the walk entered but could not use (zero, garbage, a
	// read error, a page of the wrong kind) keeps a pointer to t until
	// its content is judged.
	for _, pgno := range append(entered, t.Root) {
		if p := &c.Pages[pgno-1]; p.Class == Unclassified && p.Tree < 0 {
			p.Tree = int32(t.Index)
		}
	}
}

// took records what a walk learns of a b-tree page while it holds the
// image, so that the pass over every page need not read it again.
func (c *Census) took(p *btree.Page) {
	i := p.Pgno - 1
	c.Pages[i].CRC, c.Pages[i].Cells, c.read[i] = crcOf(p.Data), uint16(min(p.CellCount, 65535)), true
	c.maxChild = max(c.maxChild, largestChild(p))
}

// Walk walks tree i again, this time as opts asks (payloads assembled
// unless ChainsOnly), entering only the pages the census gave to it, so
// that every page is walked from exactly one tree.
func (c *Census) Walk(i int, opts btree.WalkOptions) (*btree.WalkResult, error) {
	t := c.Trees[i]
	if t.Root == 0 || t.Walk == nil {
		return &btree.WalkResult{Root: t.Root}, nil
	}
	also := opts.Skip
	opts.Skip = func(pgno uint32) bool {
		return int(c.Page(pgno).Tree) != i || (also != nil && also(pgno))
	}
	// A walk of its own through a read-ahead window: a tree whose pages
	// were allocated in key order is read a run of pages at a time, and
	// walks on several goroutines do not share a window.
	src := c.Reader.Source()
	window := min(readAheadBytes, (len(t.Walk.Pages)+len(t.Walk.Overflow))*src.PageSize())
	rd := btree.NewReader(pagefile.NewReadAhead(src, window), c.Reader.Usable(), c.Reader.Encoding())
	return rd.WalkTree(t.Root, opts)
}
