package census

import (
	"context"
	"hash/crc32"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Where a tree of a census came from (FromHint, for roots the caller knew
// of, is declared with the geometry sources).
const (
	FromSchema = "sqlite_master" // sqlite_master itself, or a b-tree one of its rows names
	FromOrphan = "orphan"        // topmost b-tree page no walk reached, with what hangs below it
)

// Page is the census's verdict on one page.
type Page struct {
	// Tree is the index in Census.Trees of the tree that owns the page.
	// For a lost page (zero, unknown, unreadable) it is the tree whose
	// walk pointed at it, when one did. -1: none.
	Tree int32
	// CRC is the CRC32C of the whole page image, as master.PageCRC
	// computes it; 0 for pages that could not be read.
	CRC uint32
	// Cells is the cell count of a b-tree page.
	Cells uint16
	Class Class
	// The fields are ordered so that a page takes 12 bytes: a census
	// keeps one per page of the file.
}

// Tree is one b-tree of a census and what walking it found.
type Tree struct {
	Index int    // position in Census.Trees
	Root  uint32 // 0 when the schema row's rootpage is not a page number
	// Type, Name, TblName and SQL come from the schema row or hint that
	// named the tree; orphan trees have none.
	Type, Name, TblName, SQL string
	From                     string // FromSchema, FromHint or FromOrphan
	// IndexTree is true for index b-trees (indexes and WITHOUT ROWID
	// tables), as the root page's type says.
	IndexTree bool
	// Walk is the structural walk (overflow chains followed, payloads not
	// assembled); nil when the tree was not walked, and Err says why.
	Walk *btree.WalkResult
	Err  error
}

// Census is a survey of every page of a file.
type Census struct {
	File   *pagefile.File
	Reader *btree.Reader
	// Schema is sqlite_master's rows as stored (Trees[0] is its walk).
	Schema []btree.SchemaRow
	Trees  []*Tree
	// Pages holds page pgno at Pages[pgno-1].
	Pages    []Page
	Freelist *pagefile.Freelist
	// Conflicts lists pages claimed twice (two trees, a tree and the
	// freelist, a tree and a pointer-map page): in a sound file every
	// page has one owner. The first claim is kept.
	Conflicts []error
	// Missing counts pages the database should hold beyond the end of
	// the file (a truncated file); MissingWhy says how that is known.
	Missing    uint32
	MissingWhy string

	// read marks pages whose CRC (and cell count) a walk already took,
	// so the pass over every page does not read them again; maxChild is
	// the largest child page number an interior page names.
	read     []bool
	maxChild uint32
	// walker is Reader through a read-ahead window, for the walks of
	// Take (one goroutine: a window is not safe for concurrent use).
	walker *btree.Reader
}

// Options control a census.
type Options struct {
	// Hint adds the caller's roots to those sqlite_master names, and its
	// page count to the evidence for missing pages.
	Hint Hint
	// Progress, when set, is called as pages are classified.
	Progress func(done, total int)
	// TreesOnly walks sqlite_master, the trees it names and the hint's
	// roots, and stops: no page nothing reaches is read, the freelist is
	// not claimed, orphans are not grouped and missing pages not counted.
	// A metadata capture of a healthy database needs no more.
	TreesOnly bool
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcOf is the CRC32C of a page image.
func crcOf(page []byte) uint32 { return crc32.Checksum(page, castagnoli) }

// Take surveys every page of f, read through rd (f's pages with its
// usable size and encoding). Damage is recorded, never returned; the error
// is ctx's, or a failure of the source on every page.
func Take(ctx context.Context, f *pagefile.File, rd *btree.Reader, opts Options) (*Census, error) {
	c := &Census{File: f, Reader: rd, Pages: make([]Page, f.PageCount()), read: make([]bool, f.PageCount())}
	// The census's own walks read through a read-ahead window: a tree
	// whose pages were allocated in key order is read a run at a time.
	src := rd.Source()
	c.walker = btree.NewReader(pagefile.NewReadAhead(src, readAheadBytes), rd.Usable(), rd.Encoding())
	for i := range c.Pages {
		c.Pages[i].Tree = -1
	}
	c.claimStructure()
	if err := c.walkNamedTrees(ctx, opts.Hint); err != nil {
		return nil, err
	}
	if opts.TreesOnly {
		return c, nil
	}
	c.Freelist = f.Freelist()
	for _, p := range c.Freelist.Trunks {
		c.claim(p, FreelistTrunk, -1)
	}
	for _, p := range c.Freelist.Leaves {
		c.claim(p, FreelistLeaf, -1)
	}
	if err := c.readEveryPage(ctx, opts.Progress); err != nil {
		return nil, err
	}
	c.findFreelist()
	if err := c.groupOrphans(ctx); err != nil {
		return nil, err
	}
	c.countMissing(c.maxChild, opts.Hint)
	return c, nil
}

// Page returns the verdict on page pgno (Class Unclassified beyond the
// file's pages).
func (c *Census) Page(pgno uint32) Page {
	if pgno == 0 || int(pgno) > len(c.Pages) {
		return Page{Tree: -1}
	}
	return c.Pages[pgno-1]
}

// Owner returns the tree that owns (or, for a lost page, pointed at) page
// pgno, or nil.
func (c *Census) Owner(pgno uint32) *Tree {
	if p := c.Page(pgno); p.Tree >= 0 {
		return c.Trees[p.Tree]
	}
	return nil
}

// Counts counts pages by class.
func (c *Census) Counts() map[Class]int {
	out := map[Class]int{}
	for _, p := range c.Pages {
		out[p.Class]++
	}
	return out
}

// CRC is the CRC32C (Castagnoli) of a page image, the checksum the census
// records for every page and the metadata backup for every leaf.
func CRC(page []byte) uint32 { return crcOf(page) }
