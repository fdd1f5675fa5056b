package bulk

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
)

// Tree builds one b-tree bottom-up from entries given in order: leaves are
// filled left to right and written as they fill, and each level above
// receives one cell per page below, so memory holds at most two pages per
// level. A table tree takes rows (rowid and record) by increasing rowid;
// an index tree (an index, or a WITHOUT ROWID table) takes records in its
// Order. The top page is written over the root the caller names.
//
// Two pages per level, because a page is only written once the next page
// of its level has a cell: a level must never end with an interior page
// without cells (or, for an index, a leaf without entries), so the last
// page may take a cell back from the one before it.
type Tree struct {
	f      *File
	table  bool
	order  *Order
	levels []*level
	pages  []uint32 // every page allocated, for Abandon
	n      int64
	last   int64  // table: the previous rowid
	prev   []byte // index: the previous entry
	// prevHi, prevLo: the previous entry's key prefix, when prevKeyed.
	prevKeyed      bool
	prevHi, prevLo uint64
	done           bool
	err            error
	cell           []byte // scratch
}

// NewTableTree starts a table (rowid) b-tree.
func (f *File) NewTableTree() *Tree {
	return &Tree{f: f, table: true}
}

// NewIndexTree starts an index b-tree ordered by o (whose Encoding must be
// the file's).
func (f *File) NewIndexTree(o *Order) *Tree {
	return &Tree{f: f, order: o}
}

// Entries is how many entries the tree has taken.
func (t *Tree) Entries() int64 { return t.n }

// Pages is how many pages the tree has allocated besides its root.
func (t *Tree) Pages() int { return len(t.pages) }

func (t *Tree) alloc() (uint32, error) {
	p, err := t.f.alloc()
	if err == nil {
		t.pages = append(t.pages, p)
	}
	return p, err
}

func (t *Tree) check() error {
	switch {
	case t.err != nil:
		return t.err
	case t.done:
		return ErrClosed
	}
	return nil
}

func (t *Tree) fail(err error) error {
	t.err = err
	return err
}

// AddRow adds a row to a table tree. Rowids must increase strictly.
func (t *Tree) AddRow(rowid int64, record []byte) error {
	if err := t.check(); err != nil {
		return err
	}
	if !t.table {
		return errors.New("bulk: AddRow on an index tree")
	}
	if t.n > 0 && rowid <= t.last {
		why := ErrOrder
		if rowid == t.last {
			why = ErrNotUnique
		}
		return t.fail(&KeyError{Entry: t.n, Err: fmt.Errorf("%w: rowid %d after %d", why, rowid, t.last)})
	}
	cell, err := t.appendPayloadCell(t.cell[:0], btree.TableLeaf, rowid, record)
	if err != nil {
		return t.fail(err)
	}
	t.cell = cell
	t.n++
	t.last = rowid
	return t.leaf().addRow(cell, rowid)
}

// AddEntry adds an entry to an index tree. Each entry must come after the
// previous one in the tree's Order; under Unique, two entries may agree
// on the unique fields only where the later one has a NULL among them.
func (t *Tree) AddEntry(record []byte) error {
	t.prevKeyed = false
	return t.addEntry(record)
}

// AddEntryKeyed is AddEntry for an entry whose key prefix (Order.Prefix)
// the caller has: when it is above the previous entry's, the order is
// settled without comparing the records (a UNIQUE index still compares
// its unique fields).
func (t *Tree) AddEntryKeyed(record []byte, hi, lo uint64) error {
	after := t.prevKeyed && (hi > t.prevHi || hi == t.prevHi && lo > t.prevLo)
	t.prevKeyed, t.prevHi, t.prevLo = true, hi, lo
	if after && t.order.Unique == 0 && !t.table {
		return t.appendEntry(record)
	}
	return t.addEntry(record)
}

func (t *Tree) addEntry(record []byte) error {
	if err := t.check(); err != nil {
		return err
	}
	if t.table {
		return errors.New("bulk: AddEntry on a table tree")
	}
	if t.n > 0 {
		if err := t.checkOrder(record); err != nil {
			return t.fail(err)
		}
	}
	return t.appendEntry(record)
}

// appendEntry adds an entry whose place is checked.
func (t *Tree) appendEntry(record []byte) error {
	if err := t.check(); err != nil {
		return err
	}
	cell, err := t.appendPayloadCell(t.cell[:0], btree.IndexLeaf, 0, record)
	if err != nil {
		return t.fail(err)
	}
	t.cell = cell
	t.n++
	t.prev = append(t.prev[:0], record...)
	return t.leaf().addEntry(cell)
}

func (t *Tree) checkOrder(record []byte) error {
	o := t.order
	c, _ := o.compare(t.prev, record, len(o.Fields))
	switch {
	case c > 0:
		return &KeyError{Entry: t.n, Err: ErrOrder}
	case c == 0 && o.Unique >= len(o.Fields):
		return &KeyError{Entry: t.n, Err: ErrNotUnique}
	case c == 0:
		return &KeyError{Entry: t.n, Err: fmt.Errorf("%w: the same entry twice", ErrOrder)}
	}
	if o.Unique > 0 && o.Unique < len(o.Fields) {
		if c, null := o.compare(t.prev, record, o.Unique); c == 0 && !null {
			return &KeyError{Entry: t.n, Err: ErrNotUnique}
		}
	}
	return nil
}

// Finish writes what remains and puts the top page at root, which must be
// a page of the file that nothing else uses (the empty root SQLite made
// for the table or index).
func (t *Tree) Finish(root uint32) error {
	if err := t.check(); err != nil {
		return err
	}
	t.done = true
	if root < 2 || root > t.f.PageCount() {
		return fmt.Errorf("bulk: root page %d is not a page of the file", root)
	}
	return t.leaf().finish(root, 0)
}

// Abandon gives back every page the tree allocated (they go on the
// freelist); the root is left as it was.
func (t *Tree) Abandon() {
	t.done = true
	t.f.Free(t.pages...)
	t.pages = nil
}

func (t *Tree) leaf() *level {
	if len(t.levels) == 0 {
		t.levels = append(t.levels, &level{t: t})
	}
	return t.levels[0]
}

// level is one level of the tree being built: the page being filled, the
// page before it (held until this one has a cell), and whether any page
// went up to the level above.
type level struct {
	t       *Tree
	depth   int
	cur     cells
	lastKey int64 // table leaves: the rowid of the current page's last cell
	held    *heldPage
	up      bool // a page of this level went to the parent level
}

// heldPage is a full page not yet written: up is what goes to the parent
// with it (a table page's largest rowid as a varint; an index page's
// divider entry).
type heldPage struct {
	pgno  uint32
	cells cells
	right uint32
	up    []byte
}

func (l *level) parent() *level {
	t := l.t
	if len(t.levels) == l.depth+1 {
		t.levels = append(t.levels, &level{t: t, depth: l.depth + 1})
	}
	l.up = true
	return t.levels[l.depth+1]
}

func (l *level) kind() btree.PageType {
	switch {
	case l.t.table && l.depth == 0:
		return btree.TableLeaf
	case l.t.table:
		return btree.TableInterior
	case l.depth == 0:
		return btree.IndexLeaf
	}
	return btree.IndexInterior
}

// addRow puts a table leaf cell on the current leaf, starting a new leaf
// when it does not fit. Table leaves need no held page: the new leaf has
// its first row at once.
func (l *level) addRow(cell []byte, rowid int64) error {
	if !l.cur.fits(cell, l.kind(), l.t.f.usable) {
		pgno, err := l.t.alloc()
		if err != nil {
			return l.t.fail(err)
		}
		if err := l.write(pgno, &l.cur, 0); err != nil {
			return err
		}
		if err := l.parent().addChild(pgno, btree.AppendVarint(nil, uint64(l.lastKey))); err != nil {
			return err
		}
		l.cur.reset()
	}
	l.cur.add(cell)
	l.lastKey = rowid
	return nil
}

// addEntry puts an index leaf cell on the current leaf. An entry that does
// not fit becomes the divider above the full leaf, which is held.
func (l *level) addEntry(cell []byte) error {
	if l.cur.fits(cell, l.kind(), l.t.f.usable) {
		l.cur.add(cell)
		if l.held != nil {
			return l.flushHeld()
		}
		return nil
	}
	return l.hold(0, cell)
}

// addChild adds a page of the level below, with what separates it from the
// next (a table's largest rowid, an index's divider entry), as a cell. A
// cell that does not fit makes the page its right child and goes up.
func (l *level) addChild(child uint32, up []byte) error {
	cell := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(up)), child)
	cell = append(cell, up...)
	if l.cur.fits(cell, l.kind(), l.t.f.usable) {
		l.cur.add(cell)
		if l.held != nil {
			return l.flushHeld()
		}
		return nil
	}
	return l.hold(child, up)
}

// hold finishes the current page (its right child, for an interior
// level) and keeps it until the next page of the level has a cell.
func (l *level) hold(right uint32, up []byte) error {
	if l.held != nil || l.cur.n() == 0 {
		return l.t.fail(errors.New("bulk: a cell does not fit an empty page"))
	}
	pgno, err := l.t.alloc()
	if err != nil {
		return l.t.fail(err)
	}
	l.held = &heldPage{pgno: pgno, cells: l.cur.clone(), right: right, up: append([]byte(nil), up...)}
	l.cur.reset()
	return nil
}

func (l *level) flushHeld() error {
	h := l.held
	l.held = nil
	if err := l.write(h.pgno, &h.cells, h.right); err != nil {
		return err
	}
	return l.parent().addChild(h.pgno, h.up)
}

// finish ends the level: the current page gets the last child (interior
// levels) and is written at root if it is the only page of the level,
// else appended and handed to the level above. A held page with an empty
// current page gives its last cell back: its last child and divider move
// right, its previous divider becomes the current page's first cell.
func (l *level) finish(root, last uint32) error {
	if h := l.held; h != nil {
		lastCell := h.cells.cell(h.cells.n() - 1)
		h.cells.pop()
		var moved []byte
		if l.depth == 0 {
			// An index leaf: the held divider becomes the lone entry of
			// the last leaf, the held page's last entry the divider.
			moved = h.up
			h.up = append([]byte(nil), lastCell...)
		} else {
			moved = binary.BigEndian.AppendUint32(nil, h.right)
			moved = append(moved, h.up...)
			h.right = binary.BigEndian.Uint32(lastCell)
			h.up = append([]byte(nil), lastCell[4:]...)
		}
		l.cur.add(moved)
		if err := l.flushHeld(); err != nil {
			return err
		}
	}
	if !l.up {
		return l.write(root, &l.cur, last)
	}
	pgno, err := l.t.alloc()
	if err != nil {
		return l.t.fail(err)
	}
	if err := l.write(pgno, &l.cur, last); err != nil {
		return err
	}
	return l.t.levels[l.depth+1].finish(root, pgno)
}

// write renders a page of this level and queues it.
func (l *level) write(pgno uint32, c *cells, right uint32) error {
	buf := l.t.f.getPage()
	c.render(buf, l.kind(), right, l.t.f.usable)
	l.t.f.notePointers(pgno, l.kind(), c, right)
	if err := l.t.f.writePage(pgno, buf); err != nil {
		return l.t.fail(err)
	}
	return nil
}

// cells are the cells of one page, in order, in one arena.
type cells struct {
	arena []byte
	ends  []int
	space int // bytes the cells take on the page, pointers included
}

func (c *cells) n() int { return len(c.ends) }

func (c *cells) cell(i int) []byte {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.arena[start:c.ends[i]]
}

func (c *cells) fits(cell []byte, kind btree.PageType, usable int) bool {
	hdr := 8
	if !kind.Leaf() {
		hdr = 12
	}
	return hdr+c.space+2+cellSpace(len(cell)) <= usable
}

func (c *cells) add(cell []byte) {
	c.arena = append(c.arena, cell...)
	c.ends = append(c.ends, len(c.arena))
	c.space += 2 + cellSpace(len(cell))
}

func (c *cells) pop() {
	last := c.cell(c.n() - 1)
	c.space -= 2 + cellSpace(len(last))
	c.ends = c.ends[:c.n()-1]
	c.arena = c.arena[:len(c.arena)-len(last)]
}

func (c *cells) reset() {
	c.arena, c.ends, c.space = c.arena[:0], c.ends[:0], 0
}

func (c *cells) clone() cells {
	return cells{arena: append([]byte(nil), c.arena...), ends: append([]int(nil), c.ends...), space: c.space}
}

// render writes the page: the header, the cell pointers, and the cells
// packed at the end of the usable area in order, with no free blocks and
// no fragments.
func (c *cells) render(buf []byte, kind btree.PageType, right uint32, usable int) {
	hdr := 8
	if !kind.Leaf() {
		hdr = 12
	}
	content := usable
	for i := 0; i < c.n(); i++ {
		content -= cellSpace(len(c.cell(i)))
	}
	buf[0] = byte(kind)
	binary.BigEndian.PutUint16(buf[3:], uint16(c.n()))
	binary.BigEndian.PutUint16(buf[5:], uint16(content)) // 65536 is stored as 0
	if !kind.Leaf() {
		binary.BigEndian.PutUint32(buf[8:], right)
	}
	pos := content
	for i := 0; i < c.n(); i++ {
		cell := c.cell(i)
		binary.BigEndian.PutUint16(buf[hdr+2*i:], uint16(pos))
		copy(buf[pos:], cell)
		pos += cellSpace(len(cell))
	}
}
