package backup

import (
	"errors"
	"fmt"
	"os"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// File is a backup opened for reading: its manifest, the metadata backup
// taken from the same snapshot, and its pages. A repair uses it to fetch
// the backup's version of pages that are unreadable in a broken database:
// read a page from Source, keep it only if VerifyPage says the manifest
// vouches for it, and interpret it with Meta's schema.
type File struct {
	Path     string
	Manifest *Manifest
	// Meta is nil for a backup of an encrypted database (Snapshot.Encrypted),
	// whose metadata cannot be taken without the key.
	Meta *master.Meta
	// Source serves the backup file's pages (1 … Manifest.PageCount).
	Source *pagefile.ReaderSource
	// Recovered says what Open found of an interrupted update (see
	// recoverJournal); empty when there was none.
	Recovered string

	f    *os.File
	lock *lock
}

// Open opens the backup at path. Like SQLite meeting a hot journal, it
// first finishes or undoes an update that was interrupted (which needs
// write access to the backup's directory), so what it serves is always
// one whole backup. It holds a shared lock until Close; Run on the same
// backup meanwhile fails with ErrBusy, and Open fails with ErrBusy while
// Run is writing. The manifest is verified (checksum, digest); the pages
// are not, until the caller asks VerifyPage or Verify.
func Open(path string) (*File, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	lk, err := lockBackup(path, false)
	if err != nil {
		return nil, err
	}
	bf, err := open(path, lk)
	if err != nil {
		return nil, errors.Join(err, lk.release())
	}
	return bf, nil
}

func open(path string, lk *lock) (*File, error) {
	bf := &File{Path: path, lock: lk}
	if there, _ := exists(path + JournalSuffix); there {
		// Recovery writes: take the lock exclusively for it.
		if err := lk.set(true); err != nil {
			return nil, err
		}
		rec, err := recoverJournal(path)
		if err != nil {
			return nil, err
		}
		bf.Recovered = rec
		if err := lk.set(false); err != nil {
			return nil, err
		}
	}
	m, err := ReadManifest(path)
	if err != nil {
		return nil, err
	}
	meta, err := manifestMeta(m)
	if err != nil {
		return nil, fmt.Errorf("backup: metadata in %s%s: %w", path, ManifestSuffix, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if want := int64(m.PageSize) * int64(m.PageCount); st.Size() != want {
		f.Close()
		return nil, fmt.Errorf("backup: %s is %d bytes, its manifest says %d pages of %d (%d bytes)", path, st.Size(), m.PageCount, m.PageSize, want)
	}
	src, err := pagefile.NewReaderSource(f, st.Size(), m.PageSize)
	if err != nil {
		f.Close()
		return nil, err
	}
	bf.Manifest, bf.Meta, bf.Source, bf.f = m, meta, src, f
	return bf, nil
}

// VerifyPage reports whether data is page pgno exactly as the backup was
// taken (its CRC32C is the one the manifest records).
func (f *File) VerifyPage(pgno uint32, data []byte) bool {
	m := f.Manifest
	return pgno >= 1 && pgno <= m.PageCount && len(data) == m.PageSize && master.PageCRC(data) == m.CRCs[pgno-1]
}

// ReadPage reads page pgno into dst and verifies it against the manifest;
// a page that does not match is an error (a *pagefile.CorruptError).
func (f *File) ReadPage(pgno uint32, dst []byte) error {
	if err := f.Source.ReadPage(pgno, dst); err != nil {
		return err
	}
	if !f.VerifyPage(pgno, dst) {
		return pagefile.Corrupt(pgno, 0, pagefile.ErrBadValue, "page %d of backup %s does not match its manifest CRC", pgno, f.Path)
	}
	return nil
}

// Close releases the file and the lock (removing the lock file when no
// other process holds it).
func (f *File) Close() error {
	return errors.Join(f.f.Close(), f.lock.release())
}

// manifestMeta decodes the metadata backup a manifest carries: nil for an
// encrypted backup, which carries none (see Snapshot.Encrypted).
func manifestMeta(m *Manifest) (*master.Meta, error) {
	if m.Snapshot.Encrypted {
		return nil, nil
	}
	return master.Decode(m.Meta)
}
