package btree

// preallocPages bounds how much of a claimed payload is allocated before
// the pages holding it have actually been read.
const preallocPages = 16

// Payload returns the cell's whole payload: the local part followed by the
// overflow chain. It also returns the overflow pages in chain order. The
// chain is followed at most as far as the payload size requires, never into
// a page twice, never outside the source. When the chain breaks, Payload
// returns the prefix it could read together with a *CorruptError whose Err
// is ErrLoop, ErrOutOfRange or ErrTruncated, so the caller can keep the row
// and flag it as truncated. A chain whose last page points on returns the
// whole payload with an ErrBadValue: the row is complete but damaged.
func (r *Reader) Payload(c *Cell) ([]byte, []uint32, error) {
	return r.payload(c, &pageSet{}, false, nil, nil)
}

// payload is Payload with the set of pages already used. A walk passes its
// own set, so that no page serves two cells or both a cell and the tree: in
// a valid file each page has one owner, and a hostile file that makes many
// cells share one long chain would otherwise cost cells × chain reads.
// Pages of the chain are added to seen. With chainOnly the chain is
// followed but only the local part is returned. scratch, if not nil, is a
// page-sized buffer the chain's pages are read into. onPage, if not nil,
// sees each page of the chain as it is added to the returned list.
func (r *Reader) payload(c *Cell, seen *pageSet, chainOnly bool, scratch []byte, onPage func(uint32, []byte)) ([]byte, []uint32, error) {
	if c.Overflow == 0 {
		return c.Local, nil, nil
	}
	perPage := r.usable - 4
	remaining := c.PayloadSize - int64(len(c.Local))
	out := c.Local
	if !chainOnly {
		capacity := int64(len(c.Local)) + min(remaining, int64(preallocPages*perPage))
		out = make([]byte, len(c.Local), capacity)
		copy(out, c.Local)
	}
	var chain []uint32
	buf := scratch
	if len(buf) != r.src.PageSize() {
		buf = make([]byte, r.src.PageSize())
	}
	count := r.src.PageCount()
	from := uint32(0) // the page that pointed at next, for error reports
	next := c.Overflow
	for remaining > 0 {
		switch {
		case next == 0:
			return out, chain, corrupt(from, 0, ErrTruncated, "overflow chain ends with %d of %d payload bytes missing", remaining, c.PayloadSize)
		case next > count:
			return out, chain, corrupt(from, 0, ErrPastEnd, "overflow page %d beyond the %d pages available", next, count)
		case seen.has(next):
			return out, chain, corrupt(from, 0, ErrLoop, "overflow chain reaches page %d, which is already in use", next)
		}
		seen.add(next)
		if err := r.src.ReadPage(next, buf); err != nil {
			return out, chain, err
		}
		chain = append(chain, next)
		if onPage != nil {
			onPage(next, buf)
		}
		n := min(remaining, int64(perPage))
		if !chainOnly {
			out = append(out, buf[4:4+n]...)
		}
		remaining -= n
		from, next = next, OverflowNext(buf)
	}
	if next != 0 {
		// SQLite ends a chain with 0: a last page that points on was
		// overwritten, and the bytes taken from it may be anything.
		return out, chain, corrupt(from, 0, ErrBadValue, "overflow chain goes on past the payload's end (to page %d): its last page is damaged", next)
	}
	return out, chain, nil
}
