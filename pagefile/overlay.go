package pagefile

import (
	"fmt"
	"io"
)

// pageIndex locates whole page images inside a log file: the newest
// committed frame of each page in a WAL, the first record of each page in a
// rollback journal. Pages numbered above limit are not served, whatever the
// index holds: a WAL commit can shrink the database, and a journal serves
// no page beyond the size the database had before its transaction.
type pageIndex struct {
	what     string // "WAL" or "journal", for messages
	r        io.ReaderAt
	pageSize int
	at       map[uint32]int64 // page number → offset of its image in r
	limit    uint32
}

func newPageIndex(what string, r io.ReaderAt, pageSize int) pageIndex {
	return pageIndex{what: what, r: r, pageSize: pageSize, at: map[uint32]int64{}}
}

// has reports whether the index serves an image of pgno.
func (x *pageIndex) has(pgno uint32) bool {
	_, ok := x.at[pgno]
	return ok && pgno <= x.limit
}

// read fills dst with the image of pgno, reporting false when the index
// serves none.
func (x *pageIndex) read(pgno uint32, dst []byte) (bool, error) {
	if !x.has(pgno) {
		return false, nil
	}
	if len(dst) != x.pageSize {
		return false, fmt.Errorf("pagefile: %s ReadPage buffer is %d bytes, page size is %d", x.what, len(dst), x.pageSize)
	}
	if _, err := x.r.ReadAt(dst, x.at[pgno]); err != nil {
		return false, fmt.Errorf("pagefile: reading %s page %d: %w", x.what, pgno, err)
	}
	return true, nil
}

// overlay serves count pages: those the index holds from it, the others
// from base, and the ones beyond base's end as zeros, as SQLite reads
// them. WALOverlay and JournalOverlay are overlays.
type overlay struct {
	base  Source
	top   *pageIndex
	count uint32
}

// PageSize implements Source.
func (o *overlay) PageSize() int { return o.base.PageSize() }

// PageCount implements Source.
func (o *overlay) PageCount() uint32 { return o.count }

// ReadPage implements Source. A page inside PageCount that neither the
// index nor base holds reads as zeros.
func (o *overlay) ReadPage(pgno uint32, dst []byte) error {
	if err := checkRead(o, pgno, dst); err != nil {
		return err
	}
	if ok, err := o.top.read(pgno, dst); ok || err != nil {
		return err
	}
	if pgno > o.base.PageCount() {
		clear(dst)
		return nil
	}
	return o.base.ReadPage(pgno, dst)
}

// ReadPages implements RangeReader: base's part of the run in one read,
// pages beyond it as zeros, then the index's images of pages in the run on
// top.
func (o *overlay) ReadPages(first uint32, dst []byte) error {
	if err := checkRange(o, first, dst); err != nil {
		return err
	}
	ps := o.PageSize()
	n := uint32(len(dst) / ps)
	inBase := min(n, o.base.PageCount()-min(o.base.PageCount(), first-1))
	if inBase > 0 {
		if err := ReadPages(o.base, first, dst[:int(inBase)*ps]); err != nil {
			return err
		}
	}
	clear(dst[int(inBase)*ps:])
	put := func(pgno uint32) error {
		if pgno < first || pgno-first >= n {
			return nil
		}
		i := int(pgno-first) * ps
		_, err := o.top.read(pgno, dst[i:i+ps])
		return err
	}
	// Look the run's pages up in the index, or the index's pages up in
	// the run, whichever is fewer.
	if len(o.top.at) < int(n) {
		for pgno := range o.top.at {
			if err := put(pgno); err != nil {
				return err
			}
		}
		return nil
	}
	for pgno := first; pgno-first < n; pgno++ {
		if _, ok := o.top.at[pgno]; ok {
			if err := put(pgno); err != nil {
				return err
			}
		}
	}
	return nil
}

// WALOverlay serves the database as of the WAL's last valid commit: pages
// the committed WAL holds come from the WAL, the rest from the main file.
type WALOverlay struct {
	overlay
	wal *WAL
}

// NewWALOverlay overlays w on base. Their page sizes must agree. The
// overlay has the size of the last commit, or base's size when the WAL has
// no commit.
func NewWALOverlay(base Source, w *WAL) (*WALOverlay, error) {
	if base.PageSize() != w.PageSize() {
		return nil, Corrupt(0, 8, ErrBadValue, "WAL page size %d differs from the database's %d", w.PageSize(), base.PageSize())
	}
	count := w.DatabaseSize
	if count == 0 {
		count = base.PageCount()
	}
	return &WALOverlay{overlay: overlay{base: base, top: &w.pages, count: count}, wal: w}, nil
}

// WAL returns the overlaid log.
func (o *WALOverlay) WAL() *WAL { return o.wal }

// Base returns the source the log is overlaid on (the main file).
func (o *WALOverlay) Base() Source { return o.base }

// JournalOverlay serves the database as SQLite's rollback of a hot journal
// leaves it, without writing anything: pages the journal holds come from
// the journal (their content before the interrupted transaction), the rest
// from the main file. It has the journal's original size: pages the
// transaction appended are cut off, and pages of the original database that
// the file no longer holds read as zeros. The original size is a header
// field no checksum covers, so it is cut down to what the files can hold
// (the main file's pages, the highest page a record holds): a damaged field
// cannot make the database billions of zero pages.
type JournalOverlay struct {
	overlay
	journal *Journal
}

// NewJournalOverlay overlays j on base. Their page sizes must agree.
func NewJournalOverlay(base Source, j *Journal) (*JournalOverlay, error) {
	if base.PageSize() != j.PageSize() {
		return nil, Corrupt(0, 24, ErrBadValue, "journal page size %d differs from the database's %d", j.PageSize(), base.PageSize())
	}
	count := min(j.OriginalSize(), max(base.PageCount(), j.maxPgno))
	return &JournalOverlay{overlay: overlay{base: base, top: &j.pages, count: count}, journal: j}, nil
}

// Journal returns the overlaid journal.
func (o *JournalOverlay) Journal() *Journal { return o.journal }

// Base returns the source the journal is overlaid on (the main file).
func (o *JournalOverlay) Base() Source { return o.base }
