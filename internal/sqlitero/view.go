package sqlitero

import (
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	"modernc.org/sqlite/vfs"

	"github.com/dbrescue/dbrescue/pagefile"
)

// openView opens the committed state of the database with package
// pagefile (the main file with a hot journal rolled back, or the WAL's
// committed frames overlaid, decrypted when c is set) and registers a read-only VFS that serves it
// to SQLite as one file, named by the database's own path so that SQLite
// reports that path. A hot journal that cannot be rolled back whole is
// ErrHotJournal: the view would mix committed and uncommitted pages.
func (d *DB) openView(c *pagefile.Cipher) error {
	f, err := pagefile.Open(d.Path, pagefile.Options{Cipher: c})
	if err != nil {
		return err
	}
	if c != nil {
		// decide read the journal-mode bytes encrypted: ask the view.
		d.WAL = f.WAL != nil || f.Header.WriteVersion == 2 || f.Header.ReadVersion == 2
	}
	if jerr := f.JournalError(); jerr != nil || (f.Journal != nil && f.Journal.Damaged()) {
		f.Close()
		if jerr == nil {
			jerr = fmt.Errorf("%d of its records are damaged", f.Journal.BadRecords)
		}
		return fmt.Errorf("%w: %v", ErrHotJournal, jerr)
	}
	name, fsys, err := vfs.New(&viewFS{path: d.Path, src: f})
	if err != nil {
		f.Close()
		return err
	}
	d.View, d.fsys, d.vfsName = f, fsys, name
	return nil
}

// viewFS is a file system of one file: the database at path as src serves
// it. Every other name (the -journal and -wal SQLite looks for) does not
// exist, so SQLite finds nothing to roll back or replay.
type viewFS struct {
	path string
	src  pagefile.Source
}

// Open implements fs.FS. SQLite names the file by its full path, which the
// VFS may write with a doubled leading slash; any spelling of path is it.
func (v *viewFS) Open(name string) (fs.File, error) {
	if filepath.Clean(filepath.FromSlash(name)) != v.path {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &viewFile{fs: v, page: make([]byte, v.src.PageSize())}, nil
}

// viewFile reads the view sequentially (Read and Seek, what the VFS asks
// for), one page at a time: the last page read is kept, since SQLite
// often reads a page's header before the page.
type viewFile struct {
	fs   *viewFS
	off  int64
	page []byte
	pgno uint32 // the page in page, 0 for none
}

func (f *viewFile) size() int64 {
	return int64(f.fs.src.PageCount()) * int64(f.fs.src.PageSize())
}

// Read implements io.Reader over the pages.
func (f *viewFile) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if f.off >= f.size() {
			if n == 0 {
				return 0, io.EOF
			}
			break
		}
		ps := int64(len(f.page))
		pgno := uint32(f.off/ps) + 1
		if pgno != f.pgno {
			if err := f.load(pgno); err != nil {
				return n, err
			}
		}
		c := copy(p[n:], f.page[f.off%ps:])
		n += c
		f.off += int64(c)
	}
	return n, nil
}

// load reads page pgno into f.page. Page 1 gets header bytes 18 and 19
// (the file format write and read versions) set to 1 where they say WAL
// (2): SQLite would otherwise look for a WAL and a WAL index, which this
// VFS has not, while the view already holds every committed frame.
func (f *viewFile) load(pgno uint32) error {
	f.pgno = 0
	if err := f.fs.src.ReadPage(pgno, f.page); err != nil {
		return err
	}
	if pgno == 1 && len(f.page) >= 20 {
		for _, i := range []int{18, 19} {
			if f.page[i] == 2 {
				f.page[i] = 1
			}
		}
	}
	f.pgno = pgno
	return nil
}

// Seek implements io.Seeker.
func (f *viewFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.size()
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.fs.path, Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

// Stat implements fs.File: SQLite takes the file's size from it.
func (f *viewFile) Stat() (fs.FileInfo, error) { return viewInfo{f}, nil }

// Close implements fs.File; the view itself belongs to the DB.
func (f *viewFile) Close() error { return nil }

// viewInfo describes the view as a read-only regular file.
type viewInfo struct{ f *viewFile }

func (i viewInfo) Name() string       { return filepath.Base(i.f.fs.path) }
func (i viewInfo) Size() int64        { return i.f.size() }
func (i viewInfo) Mode() fs.FileMode  { return 0o444 }
func (i viewInfo) ModTime() time.Time { return time.Time{} }
func (i viewInfo) IsDir() bool        { return false }
func (i viewInfo) Sys() any           { return nil }
