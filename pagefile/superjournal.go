package pagefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxSuperJournalName is the longest super-journal name SQLite reads back
// (its unix VFS's mxPathname); a longer one counts as none.
const maxSuperJournalName = 512

// readSuperJournal reads the super-journal name SQLite appends to the
// journal of each database in a transaction over several attached
// databases (pager.c writeSuperJournal): page number, name, name length,
// name checksum, magic. It returns where the records must end: the start
// of that trailer, or size when there is none.
func (j *Journal) readSuperJournal(r io.ReaderAt, size int64) int64 {
	var t [16]byte
	if size < int64(len(t)) || readFull(r, t[:], size-16) != nil {
		return size
	}
	be := binary.BigEndian
	n := int64(be.Uint32(t[0:]))
	if !bytes.Equal(t[8:], journalMagic) || n == 0 || n > maxSuperJournalName || n > size-16 {
		return size
	}
	name := make([]byte, n)
	if readFull(r, name, size-16-n) != nil {
		return size
	}
	end := max(0, size-16-n-4)
	// The checksum adds the name's bytes as C chars, which are signed on
	// most platforms and unsigned on some (ARM): either sum is accepted.
	var signed, unsigned uint32
	for _, c := range name {
		signed += uint32(int8(c))
		unsigned += uint32(c)
	}
	if stored := be.Uint32(t[4:]); stored != signed && stored != unsigned {
		j.problem(Corrupt(0, size-12, ErrChecksum, "the super-journal name's checksum does not match; the name is ignored, as by SQLite"))
		return end
	}
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	j.SuperJournal = string(name)
	return end
}

// superJournalIn returns a JournalOptions.SuperJournalExists that looks for
// a super-journal as named, a relative name against dir, and then by its
// base name in dir: SQLite records full paths, which a database copied
// elsewhere with its journals no longer matches. A name that cannot be
// checked (permission denied) is taken to exist, as a hot journal is the
// safer guess.
func superJournalIn(dir string) func(string) bool {
	exists := func(p string) bool {
		_, err := os.Stat(p)
		return !errors.Is(err, fs.ErrNotExist)
	}
	return func(name string) bool {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return exists(p) || exists(filepath.Join(dir, filepath.Base(name)))
	}
}
