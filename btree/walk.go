package btree

import (
	"errors"
)

// MaxDepth bounds how deep a walk descends. SQLite itself refuses trees
// deeper than 20 levels; anything deeper here is a loop or garbage.
const MaxDepth = 40

// Entry is one record met on a walk: a row of a table b-tree (leaf cells) or
// an entry of an index b-tree (leaf and interior cells, which in an index
// carry real entries). Payload is complete unless PayloadErr is set, in
// which case it is the prefix that could be read.
type Entry struct {
	Pgno       uint32
	Cell       int
	Rowid      int64 // table b-trees only
	Payload    []byte
	Overflow   []uint32
	PayloadErr error
}

// PageVisit records one b-tree page reached by a walk. A census keeps one
// per page of the file, so it is laid out in 12 bytes: Depth never
// exceeds MaxDepth.
type PageVisit struct {
	Pgno   uint32
	Parent uint32 // 0 for the root
	Type   PageType
	Depth  uint8
}

// WalkResult summarises a walk: every page reached, every overflow page
// followed, and every piece of damage met (each a *CorruptError, or an I/O
// error from the source).
type WalkResult struct {
	Root     uint32
	Pages    []PageVisit
	Overflow []uint32
	Entries  int
	Errors   []error
}

// ErrStop may be returned by a walk callback to end the walk early without
// an error being reported.
var ErrStop = errors.New("btree: stop walk")

// WalkOptions choose what a walk reports beyond its WalkResult.
type WalkOptions struct {
	// OnEntry is called for each entry in key order. An error stops the
	// walk and is returned by WalkTree (ErrStop is swallowed).
	OnEntry func(*Entry) error
	// OnPage is called for each b-tree page reached, before its cells.
	// The page (and its Data) is valid only during the call.
	OnPage func(*Page)
	// ChainsOnly follows overflow chains to list their pages without
	// assembling payloads: entries then carry only the local payload.
	ChainsOnly bool
	// Skip, when set, is asked before a child page is entered; a page it
	// refuses is left out of the walk as if the pointer were absent, with
	// no error. A census uses it so that a page another tree owns is not
	// walked twice. The root is never skipped.
	Skip func(pgno uint32) bool
	// OnOverflow is called for each overflow page a walk reads, in the
	// order of WalkResult.Overflow, with the page's image, so that a
	// caller wanting more than the page numbers (a checksum, say) needs
	// no second read. The image is valid only during the call.
	OnOverflow func(pgno uint32, page []byte)
	// Reuse lets the walk hand OnEntry the same Entry each time, and a
	// local payload in a page buffer it reuses: the entry and its Payload
	// are then valid only during the call, and a caller keeping either
	// copies it. A walk of millions of rows then allocates per page of
	// depth, not per row and page.
	Reuse bool
}

// Walk visits the b-tree rooted at root in key order, calling fn for each
// entry. A page that cannot be read or parsed, a child of the wrong kind, a
// page reached twice (a loop) and a tree deeper than MaxDepth are reported
// in the result and skipped; the walk carries on with the rest of the tree.
// A bad cell loses only that cell. If fn returns an error the walk stops and
// Walk returns it (ErrStop is swallowed).
func (r *Reader) Walk(root uint32, fn func(*Entry) error) (*WalkResult, error) {
	return r.WalkTree(root, WalkOptions{OnEntry: fn})
}

// WalkTree is Walk with options.
func (r *Reader) WalkTree(root uint32, opts WalkOptions) (*WalkResult, error) {
	w := &walker{r: r, opts: opts, res: &WalkResult{Root: root}, seen: &pageSet{}, scratch: make([]byte, r.src.PageSize())}
	err := w.visit(root, 0, 0)
	if errors.Is(err, ErrStop) {
		err = nil
	}
	return w.res, err
}

type walker struct {
	r    *Reader
	opts WalkOptions
	res  *WalkResult
	seen *pageSet
	// scratch holds overflow pages while their chain is followed.
	scratch []byte
	// free holds page buffers to reuse (see release).
	free [][]byte
	// entry is handed to OnEntry again and again when opts.Reuse is set.
	entry Entry
	// kind is the type family (table or index) of the root; every page of
	// the tree must belong to it.
	kindSet bool
	table   bool
}

func (w *walker) fail(err error) { w.res.Errors = append(w.res.Errors, err) }

// pageBuffer returns a buffer for one page: a recycled one when the walk
// can reuse them (see release), else a new one.
func (w *walker) pageBuffer() []byte {
	if n := len(w.free); n > 0 {
		b := w.free[n-1]
		w.free = w.free[:n-1]
		return b
	}
	return make([]byte, w.r.src.PageSize())
}

// release recycles the buffer of a page whose subtree is done, unless an
// OnEntry callback saw it: entries' local payloads point into their
// page's buffer and may be kept. OnPage may not keep the page, so a walk
// with OnPage alone allocates only as many buffers as the tree is deep,
// rather than one per page.
func (w *walker) release(b []byte) {
	if w.opts.OnEntry == nil || w.opts.Reuse {
		w.free = append(w.free, b)
	}
}

// visit walks the subtree at pgno; a non-nil return is fn's error.
func (w *walker) visit(pgno, parent uint32, depth int) error {
	switch {
	case depth > MaxDepth:
		w.fail(corrupt(parent, 0, ErrLoop, "tree deeper than %d levels at page %d", MaxDepth, pgno))
		return nil
	case pgno == 0:
		w.fail(corrupt(parent, 0, ErrOutOfRange, "child page 0"))
		return nil
	case pgno > w.r.src.PageCount():
		w.fail(corrupt(parent, 0, ErrPastEnd, "child page %d outside the %d pages available", pgno, w.r.src.PageCount()))
		return nil
	case w.seen.has(pgno):
		w.fail(corrupt(parent, 0, ErrLoop, "page %d reached twice", pgno))
		return nil
	case depth > 0 && w.opts.Skip != nil && w.opts.Skip(pgno):
		return nil
	}
	w.seen.add(pgno)
	buf := w.pageBuffer()
	defer w.release(buf)
	if err := w.r.src.ReadPage(pgno, buf); err != nil {
		w.fail(err)
		return nil
	}
	p, err := ParsePage(pgno, buf, w.r.usable)
	if err != nil {
		w.fail(err)
		return nil
	}
	if !w.kindSet {
		w.kindSet, w.table = true, p.Type.Table()
	} else if p.Type.Table() != w.table {
		w.fail(corrupt(pgno, int64(p.HeaderOffset), ErrBadValue, "%s page in a %s b-tree", p.Type, treeKind(w.table)))
		return nil
	}
	w.res.Pages = append(w.res.Pages, PageVisit{Pgno: pgno, Type: p.Type, Depth: uint8(depth), Parent: parent})
	if w.opts.OnPage != nil {
		w.opts.OnPage(p)
	}
	var c Cell // reused for every cell of the page
	for i := 0; i < p.CellCount; i++ {
		if err := p.ReadCell(i, &c); err != nil {
			w.fail(err)
			continue
		}
		if !p.Type.Leaf() {
			if err := w.visit(c.LeftChild, pgno, depth+1); err != nil {
				return err
			}
		}
		if p.Type == TableInterior {
			continue // interior table cells carry only keys
		}
		if err := w.emit(p, &c); err != nil {
			return err
		}
	}
	if !p.Type.Leaf() {
		return w.visit(p.RightChild, pgno, depth+1)
	}
	return nil
}

func (w *walker) emit(p *Page, c *Cell) error {
	payload, chain, perr := w.r.payload(c, w.seen, w.opts.ChainsOnly, w.scratch, w.opts.OnOverflow)
	w.res.Overflow = append(w.res.Overflow, chain...)
	if perr != nil {
		w.fail(perr)
	}
	w.res.Entries++
	if w.opts.OnEntry == nil {
		return nil
	}
	e := &w.entry
	if !w.opts.Reuse {
		e = new(Entry)
	}
	*e = Entry{Pgno: p.Pgno, Cell: c.Index, Rowid: c.Rowid, Payload: payload, Overflow: chain, PayloadErr: perr}
	return w.opts.OnEntry(e)
}

func treeKind(table bool) string {
	if table {
		return "table"
	}
	return "index"
}
