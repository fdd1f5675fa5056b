package bulk

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/dbrescue/dbrescue/pagefile"
)

// maxPgno is the largest page number a database can have.
const maxPgno = 1<<32 - 2

// File is a database SQLite created and closed, whose b-trees are being
// filled. Pages are only ever appended, written over a root the caller
// names, or freed; page 1 is rewritten only in its header, on Close.
// Its methods may be called from several goroutines (each Tree from one).
type File struct {
	f        *os.File
	pageSize int
	usable   int
	encoding uint32
	hdr      *pagefile.Header
	raw      [pagefile.HeaderSize]byte

	w *writer

	mu       sync.Mutex
	count    uint32 // pages in the database, growing as pages are allocated
	oldCount uint32 // pages SQLite wrote
	lock     uint32 // the lock-byte page, never allocated
	freed    []uint32
	closed   bool
	// ptrmap is set for an auto_vacuum database; ptrs holds the entries
	// of the pages the builder wrote or freed (ptrmap.go).
	ptrmap bool
	ptrs   map[uint32]ptrEntry
}

// Open opens the database at path for filling. It must be a database SQLite
// closed cleanly (no hot journal, no WAL content), without a pointer map and
// with schema format 4.
func Open(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	bf, err := newFile(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return bf, nil
}

func newFile(f *os.File) (*File, error) {
	bf := &File{f: f}
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, pagefile.HeaderSize), bf.raw[:]); err != nil {
		return nil, fmt.Errorf("%w: reading the header: %v", ErrUnsupported, err)
	}
	h := pagefile.ParseHeader(bf.raw[:])
	bf.hdr = h
	switch {
	case h.Magic != pagefile.Magic || h.PageSize == 0 || h.UsableSize() == 0:
		return nil, fmt.Errorf("%w: not a database with a valid page size", ErrUnsupported)
	case h.SchemaFormat != 4:
		return nil, fmt.Errorf("%w: schema format %d, not 4", ErrUnsupported, h.SchemaFormat)
	case h.TextEncoding < pagefile.EncodingUTF8 || h.TextEncoding > pagefile.EncodingUTF16BE:
		return nil, fmt.Errorf("%w: text encoding %d", ErrUnsupported, h.TextEncoding)
	case h.WriteVersion != 1 || h.ReadVersion != 1:
		return nil, fmt.Errorf("%w: WAL mode", ErrUnsupported)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	bf.pageSize, bf.usable, bf.encoding = h.PageSize, h.UsableSize(), h.TextEncoding
	if !h.DatabaseSizeTrusted() || int64(h.DatabaseSize)*int64(h.PageSize) > st.Size() {
		return nil, fmt.Errorf("%w: the header's page count (%d) is not trustworthy", ErrUnsupported, h.DatabaseSize)
	}
	bf.count, bf.oldCount = h.DatabaseSize, h.DatabaseSize
	bf.lock = pagefile.LockBytePage(h.PageSize)
	bf.ptrmap, bf.ptrs = h.LargestRootPage != 0, map[uint32]ptrEntry{}
	bf.w = newWriter(f, h.PageSize)
	return bf, nil
}

// PageSize is the file's page size.
func (f *File) PageSize() int { return f.pageSize }

// Usable is the usable size of a page (page size minus reserved bytes).
func (f *File) Usable() int { return f.usable }

// Encoding is the file's text encoding (a pagefile.Encoding constant).
func (f *File) Encoding() uint32 { return f.encoding }

// PageCount is the number of pages in the database so far.
func (f *File) PageCount() uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count
}

// OS gives the underlying file, for reading what SQLite wrote (an existing
// tree the caller merges with its rows) before any page is replaced.
func (f *File) OS() *os.File { return f.f }

// alloc appends a page and returns its number, skipping the lock-byte
// page (page 1 GiB / page size + 1), which SQLite never uses, and the
// pointer-map pages of an auto_vacuum database.
func (f *File) alloc() (uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, ErrClosed
	}
	if f.count >= maxPgno-1 {
		return 0, fmt.Errorf("%w: the database would exceed %d pages", ErrTooLarge, uint32(maxPgno))
	}
	f.count++
	// The lock-byte page is in the file but never used; pointer-map
	// pages are written on Close.
	for f.count == f.lock || f.isPtrmapPage(f.count) {
		f.count++
	}
	return f.count, nil
}

// Free puts pages on the freelist when the file is closed: pages of a tree
// abandoned, or of a tree SQLite wrote that a new one replaces. Freeing a
// page twice, or a page still in use, corrupts the database.
func (f *File) Free(pgnos ...uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.freed = append(f.freed, pgnos...)
}

// writePage queues a page image for writing; the File owns buf from then
// on (it is recycled through putPage).
func (f *File) writePage(pgno uint32, buf []byte) error {
	return f.w.write(pgno, buf)
}

// getPage returns a zeroed page-sized buffer.
func (f *File) getPage() []byte { return f.w.get() }

// Close writes what is queued, the freelist and the header (page count, a
// new change counter, the freelist), truncates the file to its page count
// and closes it. It does not sync: the caller decides when the file must be
// durable.
func (f *File) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return ErrClosed
	}
	f.closed = true
	freed := slices.Clone(f.freed)
	f.mu.Unlock()
	err := f.writeFreelist(freed)
	if err == nil {
		err = f.writePtrmap(freed)
	}
	if werr := f.w.close(); err == nil {
		err = werr
	}
	if err == nil {
		err = f.writeHeader(uint32(len(freed)))
	}
	if err == nil {
		err = f.f.Truncate(int64(f.count) * int64(f.pageSize))
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeFreelist chains trunk pages, taken from the freed pages themselves
// as SQLite does, in front of the freelist SQLite left. A trunk holds at
// most usable/4-8 leaves: what SQLite itself writes, below the usable/4-2
// its readers accept.
func (f *File) writeFreelist(freed []uint32) error {
	if len(freed) == 0 {
		return nil
	}
	slices.Sort(freed)
	perTrunk := f.usable/4 - 8
	next := f.hdr.FirstFreelistTrunk
	// Build from the end so each trunk points at the one built before it.
	for end := len(freed); end > 0; {
		start := max(0, end-(perTrunk+1))
		trunk, leaves := freed[start], freed[start+1:end]
		buf := f.getPage()
		binary.BigEndian.PutUint32(buf[0:], next)
		binary.BigEndian.PutUint32(buf[4:], uint32(len(leaves)))
		for i, l := range leaves {
			binary.BigEndian.PutUint32(buf[8+4*i:], l)
		}
		if err := f.writePage(trunk, buf); err != nil {
			return err
		}
		next, end = trunk, start
	}
	f.raw[32], f.raw[33], f.raw[34], f.raw[35] = byte(next>>24), byte(next>>16), byte(next>>8), byte(next)
	return nil
}

// writeHeader rewrites the 100-byte header: page count, freelist count,
// and a change counter that differs from SQLite's last, with the
// version-valid-for number equal to it so the page count is trusted.
func (f *File) writeHeader(freed uint32) error {
	b := f.raw[:]
	counter := binary.BigEndian.Uint32(b[24:]) + 1
	binary.BigEndian.PutUint32(b[24:], counter)
	binary.BigEndian.PutUint32(b[28:], f.count)
	binary.BigEndian.PutUint32(b[36:], f.hdr.FreelistCount+freed)
	binary.BigEndian.PutUint32(b[92:], counter)
	_, err := f.f.WriteAt(b, 0)
	return err
}
