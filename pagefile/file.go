package pagefile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrUnknownPageSize is returned by New and Open when neither the options
// nor the header give a usable page size. The caller can detect one (see
// btree.DetectGeometry) and open again with Options.Geometry set.
var ErrUnknownPageSize = errors.New("pagefile: page size unknown: header damaged and none given")

// Geometry is the page size and the reserved bytes at the end of each page.
type Geometry struct {
	PageSize int
	Reserved int
}

// Usable is the page size minus the reserved bytes.
func (g Geometry) Usable() int { return g.PageSize - g.Reserved }

func (g Geometry) validate() error {
	if !ValidPageSize(g.PageSize) {
		return fmt.Errorf("pagefile: invalid page size %d", g.PageSize)
	}
	if g.Reserved < 0 || g.Reserved > 255 || g.Usable() < 480 {
		return fmt.Errorf("pagefile: invalid reserved bytes %d for page size %d", g.Reserved, g.PageSize)
	}
	return nil
}

// Options control how a database is opened.
type Options struct {
	// Geometry, when set, overrides the header's page size and reserve
	// (from a metadata backup, or detected).
	Geometry *Geometry
	// WALPath names the WAL to overlay. Empty means the database path
	// followed by "-wal", used when it exists.
	WALPath string
	// NoWAL ignores any WAL.
	NoWAL bool
}

// File is a database seen as numbered pages: a Source (with committed WAL
// frames overlaid when there is a WAL) and the geometry needed to read them.
type File struct {
	Source
	// Geometry is the page size and reserve the pages are read with.
	Geometry Geometry
	// Header is the header as read from page 1 of Source (the WAL's copy
	// when it holds one). Check Header.Problems before trusting a field.
	Header *Header
	// FileHeader is the header as stored in the main file.
	FileHeader *Header
	// WAL is the overlaid log, nil when there is none.
	WAL *WAL
	// Main serves the main file alone, without the WAL.
	Main *ReaderSource

	closers []io.Closer
	walErr  error
}

// Open opens the database at path read-only, with its WAL when present.
func Open(path string, opts Options) (*File, error) {
	db, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := db.Stat()
	if err != nil {
		db.Close()
		return nil, err
	}
	var walR io.ReaderAt
	var walSize int64
	var closers = []io.Closer{db}
	if !opts.NoWAL {
		walPath := opts.WALPath
		if walPath == "" {
			walPath = path + "-wal"
		}
		wf, err := os.Open(walPath)
		switch {
		case err == nil:
			ws, err := wf.Stat()
			if err != nil {
				wf.Close()
				db.Close()
				return nil, err
			}
			walR, walSize = wf, ws.Size()
			closers = append(closers, wf)
		case opts.WALPath != "" || !errors.Is(err, os.ErrNotExist):
			db.Close()
			return nil, err
		}
	}
	f, err := New(db, st.Size(), walR, walSize, opts)
	if err != nil {
		for _, c := range closers {
			c.Close()
		}
		return nil, err
	}
	f.closers = closers
	return f, nil
}

// New pages the database held in r (size bytes), overlaying the WAL held in
// wal (walSize bytes) when wal is not nil. A WAL whose header is damaged or
// whose page size differs is ignored; f.WAL is then nil and the reason is
// returned by WALError.
func New(r io.ReaderAt, size int64, wal io.ReaderAt, walSize int64, opts Options) (*File, error) {
	f := &File{}
	if size >= HeaderSize {
		h, err := ReadHeader(r)
		if err != nil {
			return nil, err
		}
		f.FileHeader = h
	} else {
		f.FileHeader = ParseHeader(nil)
		f.FileHeader.Problems = append([]*CorruptError{Corrupt(0, size, ErrTruncated, "file has %d bytes, shorter than the header", size)}, f.FileHeader.Problems...)
	}
	var w *WAL
	var walErr error
	if wal != nil && walSize > 0 {
		w, walErr = ReadWAL(wal, walSize)
	}

	switch {
	case opts.Geometry != nil:
		f.Geometry = *opts.Geometry
	case f.FileHeader.UsableSize() != 0:
		f.Geometry = Geometry{PageSize: f.FileHeader.PageSize, Reserved: f.FileHeader.ReservedBytes}
	case w != nil:
		// The WAL records the page size but not the reserve; its copy of
		// page 1 may still carry a good header, checked below.
		f.Geometry = Geometry{PageSize: w.PageSize()}
	default:
		return nil, ErrUnknownPageSize
	}
	if err := f.Geometry.validate(); err != nil {
		return nil, err
	}
	main, err := NewReaderSource(r, size, f.Geometry.PageSize)
	if err != nil {
		return nil, err
	}
	f.Main, f.Source = main, main
	if w != nil {
		if ov, err := NewWALOverlay(main, w); err == nil {
			f.Source, f.WAL = ov, w
		} else {
			walErr = err
		}
	}
	f.walErr = walErr
	f.Header = f.FileHeader
	if f.WAL != nil && f.WAL.Has(1) {
		page1 := make([]byte, f.Geometry.PageSize)
		if ok, err := f.WAL.ReadPage(1, page1); ok && err == nil {
			if h := ParseHeader(page1); h.Magic == Magic {
				f.Header = h
				if opts.Geometry == nil && h.UsableSize() != 0 && h.PageSize == f.Geometry.PageSize {
					f.Geometry.Reserved = h.ReservedBytes
				}
			}
		}
	}
	return f, nil
}

// WALError reports why a WAL that was present is not overlaid, or nil.
func (f *File) WALError() error { return f.walErr }

// Close closes the files Open opened. It is a no-op for New.
func (f *File) Close() error {
	var first error
	for _, c := range f.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	f.closers = nil
	return first
}

// TextEncoding is the header's text encoding, or UTF-8 when the header
// does not give a valid one.
func (f *File) TextEncoding() uint32 {
	if e := f.Header.TextEncoding; e >= EncodingUTF8 && e <= EncodingUTF16BE {
		return e
	}
	return EncodingUTF8
}

// Page reads page pgno into a new buffer.
func (f *File) Page(pgno uint32) ([]byte, error) {
	buf := make([]byte, f.Geometry.PageSize)
	if err := f.ReadPage(pgno, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// Usable is the usable size of each page: page size minus reserved bytes.
func (f *File) Usable() int { return f.Geometry.Usable() }
