package pagefile

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	// JournalPath names the rollback journal to roll back. Empty means the
	// database path followed by "-journal", used when it exists.
	JournalPath string
	// NoJournal ignores any rollback journal.
	NoJournal bool
	// Journal is the rollback journal New rolls back; Open sets it from
	// JournalPath.
	Journal *JournalInput
	// Cipher, when set, decrypts a SQLCipher database (see OpenCipher):
	// the geometry is the cipher's, the journal and WAL are read as the
	// encrypted pages they hold, and File.Source serves decrypted pages.
	Cipher *Cipher
}

// JournalInput is a rollback journal handed to New.
type JournalInput struct {
	R    io.ReaderAt
	Size int64
	// Dir is the directory the journal lies in, where a super-journal it
	// names is looked for (see ReadJournal). Empty: none is looked for,
	// and a journal that names one is taken as hot.
	Dir string
}

// File is a database seen as numbered pages: a Source (a hot journal
// rolled back, committed WAL frames overlaid) and the geometry needed to
// read them.
type File struct {
	Source
	// Geometry is the page size and reserve the pages are read with.
	Geometry Geometry
	// Header is the header as read from page 1 of Source (the journal's or
	// the WAL's copy when they hold one). Check Header.Problems before
	// trusting a field.
	Header *Header
	// FileHeader is the header as stored in the main file.
	FileHeader *Header
	// HeaderFrom says which copy of page 1 Header was read from:
	// HeaderFromFile, HeaderFromJournal or HeaderFromWAL.
	HeaderFrom string
	// Journal is the hot rollback journal rolled back, nil when there is
	// none or it is not hot (see JournalNotHot, JournalError).
	Journal *Journal
	// WAL is the overlaid log, nil when there is none.
	WAL *WAL
	// Main serves the main file alone, without journal or WAL.
	Main *ReaderSource
	// Problems are found in putting the files together: a hot journal
	// beside a WAL, a journal's original size beyond what the files hold.
	// The header, journal and WAL carry their own.
	Problems []*CorruptError

	closers       []io.Closer
	walErr        error
	journalErr    error
	journalNotHot string
	walMissing    bool
}

// Open opens the database at path read-only, with its hot journal and its
// WAL when present. Nothing is written, and no file is created.
func Open(path string, opts Options) (*File, error) {
	db, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	closers := []io.Closer{db}
	fail := func(err error) (*File, error) {
		for _, c := range closers {
			c.Close()
		}
		return nil, err
	}
	st, err := db.Stat()
	if err != nil {
		return fail(err)
	}
	var walR io.ReaderAt
	var walSize int64
	if !opts.NoWAL {
		wf, size, err := openSidecar(opts.WALPath, path+"-wal")
		if err != nil {
			return fail(err)
		}
		if wf != nil {
			closers = append(closers, wf)
			walR, walSize = wf, size
		}
	}
	opts.Journal = nil
	if !opts.NoJournal {
		jpath := cmp.Or(opts.JournalPath, path+"-journal")
		jf, size, err := openSidecar(opts.JournalPath, jpath)
		if err != nil {
			return fail(err)
		}
		if jf != nil {
			closers = append(closers, jf)
			opts.Journal = &JournalInput{R: jf, Size: size, Dir: filepath.Dir(jpath)}
		}
	}
	f, err := New(db, st.Size(), walR, walSize, opts)
	if err != nil {
		return fail(err)
	}
	f.closers = closers
	return f, nil
}

// openSidecar opens the WAL or journal named by explicit, else the default
// path when it exists. A missing explicit file is an error: the caller
// asked for it. It returns a nil file when there is none to use.
func openSidecar(explicit, def string) (*os.File, int64, error) {
	f, err := os.Open(cmp.Or(explicit, def))
	if err != nil {
		if explicit == "" && errors.Is(err, os.ErrNotExist) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// New pages the database held in r (size bytes). It rolls back the hot
// journal in opts.Journal, then overlays the WAL held in wal (walSize
// bytes) when wal is not nil. A journal or WAL that cannot be used is left
// out; JournalError and WALError say why. A WAL whose header is damaged is
// salvaged from its frames when they prove themselves (see SalvageWAL).
func New(r io.ReaderAt, size int64, wal io.ReaderAt, walSize int64, opts Options) (*File, error) {
	f := &File{}
	if size >= HeaderSize {
		h, err := readHeaderOf(r, opts.Cipher)
		if err != nil {
			return nil, err
		}
		f.FileHeader = h
	} else {
		f.FileHeader = ParseHeader(nil)
		f.FileHeader.Problems = append([]*CorruptError{Corrupt(0, size, ErrTruncated, "file has %d bytes, shorter than the header", size)}, f.FileHeader.Problems...)
	}
	pageSize := f.FileHeader.PageSize // the database's page size, 0 when unknown
	if opts.Geometry != nil {
		pageSize = opts.Geometry.PageSize
	}
	if opts.Cipher != nil {
		pageSize = opts.Cipher.Params.PageSize
	}
	var j *Journal
	if opts.Journal != nil && !opts.NoJournal {
		j = f.readJournal(opts.Journal, pageSize)
	}
	if j != nil && pageSize == 0 {
		pageSize = j.PageSize()
	}
	var w *WAL
	if wal != nil && walSize > 0 {
		w, f.walErr = readWAL(wal, walSize, pageSize)
	}
	f.walMissing = wal == nil && !opts.NoWAL

	switch {
	case opts.Cipher != nil:
		f.Geometry = opts.Cipher.Params.Geometry()
	case opts.Geometry != nil:
		f.Geometry = *opts.Geometry
	case f.FileHeader.UsableSize() != 0:
		f.Geometry = Geometry{PageSize: f.FileHeader.PageSize, Reserved: f.FileHeader.ReservedBytes}
	case j != nil:
		// The journal and the WAL record the page size but not the
		// reserve; their copy of page 1 may give it, checked below.
		f.Geometry = Geometry{PageSize: j.PageSize()}
	case w != nil:
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
	if j != nil {
		f.rollBack(j)
	}
	if w != nil {
		if ov, err := NewWALOverlay(f.Source, w); err == nil {
			f.Source, f.WAL = ov, w
		} else {
			f.walErr = err
		}
	}
	if f.Journal != nil && f.WAL != nil {
		f.Problems = append(f.Problems, Corrupt(0, 0, ErrBadValue,
			"both a hot rollback journal and a WAL are present, which SQLite never leaves: the journal is rolled back first, then the WAL overlaid"))
	}
	if opts.Cipher != nil {
		if f.Source, err = NewDecryptSource(f.Source, opts.Cipher); err != nil {
			return nil, err
		}
	}
	f.readPage1(opts.Geometry == nil && opts.Cipher == nil)
	return f, nil
}

// readJournal reads the journal in in, keeping it when it is hot and
// recording why not otherwise.
func (f *File) readJournal(in *JournalInput, pageSize int) *Journal {
	jo := JournalOptions{PageSize: pageSize}
	if in.Dir != "" {
		jo.SuperJournalExists = superJournalIn(in.Dir)
	}
	j, err := ReadJournal(in.R, in.Size, jo)
	switch {
	case err != nil:
		f.journalErr = err
		return nil
	case !j.Hot:
		f.journalNotHot = j.NotHot
		return nil
	}
	return j
}

// rollBack overlays the hot journal j on the main file.
func (f *File) rollBack(j *Journal) {
	ov, err := NewJournalOverlay(f.Main, j)
	if err != nil {
		f.journalErr = err
		return
	}
	f.Source, f.Journal = ov, j
	if ov.PageCount() < j.OriginalSize() {
		f.Problems = append(f.Problems, Corrupt(0, 16, ErrBadValue,
			"the journal gives the original size as %d pages, but neither the main file (%d pages) nor any journal record reaches past page %d: the database is read as %d pages",
			j.OriginalSize(), f.Main.PageCount(), ov.PageCount(), ov.PageCount()))
	}
}

// readWAL reads the WAL, salvaging it from its frames when its header is
// damaged. The error is the header's when salvage fails too.
func readWAL(r io.ReaderAt, size int64, pageSize int) (*WAL, error) {
	w, err := ReadWAL(r, size)
	var ce *CorruptError
	if err == nil || !errors.As(err, &ce) {
		return w, err
	}
	sw, serr := SalvageWAL(r, size, pageSize)
	if serr != nil {
		return nil, Corrupt(ce.Pgno, ce.Offset, ce.Err, "%s; salvage failed: %v", ce.Reason, serr)
	}
	sw.Salvaged = fmt.Sprintf("%s; %s", ce.Reason, sw.Salvaged)
	return sw, nil
}

// Where File.Header was read from.
const (
	HeaderFromFile    = "file"    // the main file
	HeaderFromJournal = "journal" // the hot journal: page 1 before the interrupted transaction
	HeaderFromWAL     = "wal"     // the newest committed WAL frame of page 1
)

// readPage1 takes the header from the newest copy of page 1: the
// journal's (the committed page before the interrupted transaction), then
// the WAL's; a copy without the magic is passed over. With reserve set,
// the reserve comes from that copy too.
func (f *File) readPage1(reserve bool) {
	f.Header, f.HeaderFrom = f.FileHeader, HeaderFromFile
	page1 := make([]byte, f.Geometry.PageSize)
	type page1Copy struct {
		from string
		read func(uint32, []byte) (bool, error)
	}
	var copies []page1Copy
	if f.Journal != nil {
		copies = append(copies, page1Copy{HeaderFromJournal, f.Journal.ReadPage})
	}
	if f.WAL != nil {
		copies = append(copies, page1Copy{HeaderFromWAL, f.WAL.ReadPage})
	}
	for _, c := range copies {
		if ok, err := c.read(1, page1); !ok || err != nil || !f.decryptCopy(page1) {
			continue
		}
		if h := ParseHeader(page1); h.Magic == Magic {
			f.Header, f.HeaderFrom = h, c.from
			if reserve && h.UsableSize() != 0 && h.PageSize == f.Geometry.PageSize {
				f.Geometry.Reserved = h.ReservedBytes
			}
		}
	}
}

// WALError reports why a WAL that was present is not overlaid, or nil.
func (f *File) WALError() error { return f.walErr }

// JournalError reports why a rollback journal that was present cannot be
// rolled back (damaged beyond use, another page size, unreadable), or nil.
// A journal that is merely not hot is no error: see JournalNotHot.
func (f *File) JournalError() error { return f.journalErr }

// JournalNotHot says why a rollback journal that was present is not hot
// (a zeroed header, an empty file, a missing super-journal); empty when
// none was present or it was rolled back.
func (f *File) JournalNotHot() string { return f.journalNotHot }

// WALMissing reports that the header marks the database as in WAL mode
// (bytes 18-19 are 2) while no WAL was found beside it, and none was
// declined with NoWAL: commits not yet checkpointed into the main file, if
// there were any, are not in what is read.
func (f *File) WALMissing() bool {
	return f.walMissing && (f.Header.WriteVersion == 2 || f.Header.ReadVersion == 2)
}

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

// ReadPages implements RangeReader: in one read when the file's source
// reads runs, else page by page. Without it a File, which embeds its
// Source as an interface, would hide its source's ReadPages, and every
// read-ahead window over a File would read a page at a time.
func (f *File) ReadPages(first uint32, dst []byte) error { return ReadPages(f.Source, first, dst) }

// Usable is the usable size of each page: page size minus reserved bytes.
func (f *File) Usable() int { return f.Geometry.Usable() }
