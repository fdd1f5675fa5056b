package pagefile

import "fmt"

// RangeReader is implemented by sources that serve a run of consecutive
// pages in one read. Copying a whole database page by page costs a system
// call per page; a file source reads a run of pages with one.
type RangeReader interface {
	// ReadPages fills dst, a whole number of pages long, with the pages
	// first, first+1, …; every one of them must be within PageCount.
	ReadPages(first uint32, dst []byte) error
}

// ReadPages fills dst, a whole number of pages long, with consecutive
// pages of src starting at first: in one read when src is a RangeReader,
// else page by page. The same checks apply as to ReadPage.
func ReadPages(src Source, first uint32, dst []byte) error {
	if err := checkRange(src, first, dst); err != nil {
		return err
	}
	if rr, ok := src.(RangeReader); ok {
		return rr.ReadPages(first, dst)
	}
	ps := src.PageSize()
	for i := 0; i < len(dst); i += ps {
		if err := src.ReadPage(first+uint32(i/ps), dst[i:i+ps]); err != nil {
			return err
		}
	}
	return nil
}

// checkRange validates the arguments of a range read.
func checkRange(s Source, first uint32, dst []byte) error {
	ps := s.PageSize()
	if len(dst) == 0 || len(dst)%ps != 0 {
		return fmt.Errorf("pagefile: ReadPages buffer is %d bytes, not a whole number of %d-byte pages", len(dst), ps)
	}
	last := uint64(first) + uint64(len(dst)/ps) - 1
	if first == 0 || last > uint64(s.PageCount()) {
		return Corrupt(first, 0, ErrOutOfRange, "pages %d-%d are outside the %d pages available", first, last, s.PageCount())
	}
	return nil
}

// ReadPages implements RangeReader with one ReadAt; the part of a partial
// last page beyond the data reads as zeros, as ReadPage serves it.
func (s *ReaderSource) ReadPages(first uint32, dst []byte) error {
	if err := checkRange(s, first, dst); err != nil {
		return err
	}
	return readPadded(s.r, dst, int64(first-1)*int64(s.pageSize))
}

// readsRanges reports whether src reads a run of pages in one read: a File
// does when the source it wraps does (its ReadPages only delegates).
func readsRanges(src Source) bool {
	if f, ok := src.(*File); ok {
		return readsRanges(f.Source)
	}
	_, ok := src.(RangeReader)
	return ok
}

// ReadAhead serves a source through a window of consecutive pages read
// with one ReadPages, for readers that mostly move forward through the
// file: a b-tree whose pages were allocated in key order (rows appended)
// is walked with a read per window instead of one per page. The window
// starts at one page and doubles, up to its limit, each time a read lands
// just past it; a read elsewhere starts again at one page, so scattered
// reads cost little more than without it. Not safe for concurrent use.
type ReadAhead struct {
	src   Source
	limit int    // window size limit, in pages
	buf   []byte // the window's pages
	first uint32 // page number of buf's first page
	n     int    // pages in buf
	size  int    // pages the next window will hold
}

// NewReadAhead wraps src in a ReadAhead window of at most maxBytes. A
// source that cannot read a run of pages at once (no RangeReader) is
// returned as it is: a window would only add copies.
func NewReadAhead(src Source, maxBytes int) Source {
	if !readsRanges(src) {
		return src
	}
	limit := max(1, maxBytes/src.PageSize())
	return &ReadAhead{src: src, limit: limit, buf: make([]byte, limit*src.PageSize()), size: 1}
}

// PageSize implements Source.
func (r *ReadAhead) PageSize() int { return r.src.PageSize() }

// PageCount implements Source.
func (r *ReadAhead) PageCount() uint32 { return r.src.PageCount() }

// ReadPage implements Source.
func (r *ReadAhead) ReadPage(pgno uint32, dst []byte) error {
	if err := checkRead(r, pgno, dst); err != nil {
		return err
	}
	ps := len(dst)
	if pgno >= r.first && int(pgno-r.first) < r.n {
		i := int(pgno-r.first) * ps
		copy(dst, r.buf[i:i+ps])
		return nil
	}
	end := r.first + uint32(r.n)
	if r.n > 0 && pgno >= end && int(pgno-end) < r.limit {
		r.size = min(2*r.size, r.limit)
	} else {
		r.size = 1
	}
	n := min(r.size, int(r.src.PageCount()-pgno)+1)
	r.n = 0
	if err := ReadPages(r.src, pgno, r.buf[:n*ps]); err != nil {
		return r.src.ReadPage(pgno, dst)
	}
	r.first, r.n = pgno, n
	copy(dst, r.buf[:ps])
	return nil
}
