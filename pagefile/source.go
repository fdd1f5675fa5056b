package pagefile

import (
	"bytes"
	"fmt"
	"io"
)

// Source serves fixed-size page images by page number (1-based). The same
// parser runs over any Source: a file, a file with its WAL, a byte slice, or
// pages served by SQLite.
type Source interface {
	// PageSize is the size in bytes of every page image.
	PageSize() int
	// PageCount is the number of pages the source can serve.
	PageCount() uint32
	// ReadPage fills dst, which must be PageSize bytes, with page pgno.
	// It fails with a *CorruptError (ErrOutOfRange) for pgno 0 or beyond
	// PageCount.
	ReadPage(pgno uint32, dst []byte) error
}

// checkRead validates the arguments every Source implementation receives.
func checkRead(s Source, pgno uint32, dst []byte) error {
	if len(dst) != s.PageSize() {
		return fmt.Errorf("pagefile: ReadPage buffer is %d bytes, page size is %d", len(dst), s.PageSize())
	}
	if pgno == 0 || pgno > s.PageCount() {
		return Corrupt(pgno, 0, ErrOutOfRange, "page %d is outside the %d pages available", pgno, s.PageCount())
	}
	return nil
}

// ReaderSource serves pages from an io.ReaderAt of known size. A final
// partial page (a truncated file) is served zero-filled past the end of the
// data; PartialTail tells how many bytes of it were real.
type ReaderSource struct {
	r           io.ReaderAt
	size        int64
	pageSize    int
	count       uint32
	PartialTail int
}

// NewReaderSource pages r, which holds size bytes, at pageSize bytes per page.
func NewReaderSource(r io.ReaderAt, size int64, pageSize int) (*ReaderSource, error) {
	if !ValidPageSize(pageSize) {
		return nil, fmt.Errorf("pagefile: invalid page size %d", pageSize)
	}
	if size < 0 {
		return nil, fmt.Errorf("pagefile: negative size %d", size)
	}
	full := size / int64(pageSize)
	tail := int(size % int64(pageSize))
	count := full
	if tail > 0 {
		count++
	}
	if count > maxPages {
		count = maxPages
		tail = 0
	}
	return &ReaderSource{r: r, size: size, pageSize: pageSize, count: uint32(count), PartialTail: tail}, nil
}

// maxPages is the largest page number SQLite allows (2^32 - 2).
const maxPages = 4294967294

// NewBytesSource pages an in-memory image.
func NewBytesSource(b []byte, pageSize int) (*ReaderSource, error) {
	return NewReaderSource(bytes.NewReader(b), int64(len(b)), pageSize)
}

// ReaderAt is what the pages are read from: an *os.File when the source
// came from Open. A copy can then go from file to file in the kernel.
func (s *ReaderSource) ReaderAt() io.ReaderAt { return s.r }

// Size is the number of bytes the source was given (PageCount pages, the
// last possibly partial).
func (s *ReaderSource) Size() int64 { return s.size }

// PageSize implements Source.
func (s *ReaderSource) PageSize() int { return s.pageSize }

// PageCount implements Source.
func (s *ReaderSource) PageCount() uint32 { return s.count }

// ReadPage implements Source.
func (s *ReaderSource) ReadPage(pgno uint32, dst []byte) error {
	if err := checkRead(s, pgno, dst); err != nil {
		return err
	}
	return readPadded(s.r, dst, int64(pgno-1)*int64(s.pageSize))
}

// readPadded fills dst from r at off; what lies past the end of r reads as
// zeros.
func readPadded(r io.ReaderAt, dst []byte, off int64) error {
	n, err := r.ReadAt(dst, off)
	if n == len(dst) {
		return nil
	}
	if err != nil && err != io.EOF {
		return err
	}
	clear(dst[n:])
	return nil
}

// SourceFunc adapts a page-serving function, such as a query on
// sqlite_dbpage inside a read transaction, to the Source interface.
type SourceFunc struct {
	Size  int
	Count uint32
	Read  func(pgno uint32, dst []byte) error
}

// PageSize implements Source.
func (s *SourceFunc) PageSize() int { return s.Size }

// PageCount implements Source.
func (s *SourceFunc) PageCount() uint32 { return s.Count }

// ReadPage implements Source.
func (s *SourceFunc) ReadPage(pgno uint32, dst []byte) error {
	if err := checkRead(s, pgno, dst); err != nil {
		return err
	}
	return s.Read(pgno, dst)
}
