package pagefile

import "sync"

// readAhead serves a ReaderSource's pages read in ascending order from
// one larger read: a b-tree walk of a database written in order asks for
// page after page, and one system call per page costs more than copying
// them. A read that does not follow the one before goes to the file
// directly, so a random reader pays nothing but the check. Pages are read
// from an input that does not change while it is read; a window holds at
// most what one read would have returned a moment earlier.
type readAhead struct {
	mu    sync.Mutex
	buf   []byte // pages first .. first+n-1
	first uint32
	n     int
	last  uint32 // the page read before
}

// readAheadBytes bounds the window: enough to make system calls rare,
// small enough to stay in the CPU's caches.
const readAheadBytes = 256 << 10

func (a *readAhead) read(s *ReaderSource, pgno uint32, dst []byte) error {
	size := s.pageSize
	a.mu.Lock()
	defer a.mu.Unlock()
	sequential := a.last != 0 && pgno == a.last+1
	a.last = pgno
	if pgno >= a.first && int64(pgno) < int64(a.first)+int64(a.n) {
		off := int(pgno-a.first) * size
		copy(dst, a.buf[off:off+size])
		return nil
	}
	pages := readAheadBytes / size
	if !sequential || pages < 2 {
		return readPadded(s.r, dst, int64(pgno-1)*int64(size))
	}
	pages = int(min(int64(pages), int64(s.count)-int64(pgno)+1))
	if cap(a.buf) < pages*size {
		a.buf = make([]byte, readAheadBytes)
	}
	a.buf = a.buf[:pages*size]
	a.n = 0 // invalid until the read succeeds
	if err := readPadded(s.r, a.buf, int64(pgno-1)*int64(size)); err != nil {
		return err
	}
	a.first, a.n = pgno, pages
	copy(dst, a.buf[:size])
	return nil
}
