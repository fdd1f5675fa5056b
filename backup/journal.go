package backup

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// JournalSuffix names the undo journal an incremental update keeps beside
// the backup while it patches it in place.
const JournalSuffix = outputs.SuffixBackupJ

// Journal layout; see doc.go.
const (
	journalMagic  = "DBRJRNL\x00"
	journalEnd    = "DBRJEND\x00"
	journalHeader = 88
	recordHeader  = 12
	// maxRecord bounds one saved span, so reading a journal never
	// allocates more than this.
	maxRecord = 1 << 20
)

// span is a byte range of the backup file saved in the journal.
type span struct {
	off int64
	n   int
}

// journalPlan is what an update will change: the spans of the current file
// it overwrites or cuts off, the file's size before, and the manifests
// before (base) and after (next), named by their SHA-256.
type journalPlan struct {
	spans      []span
	records    int64 // when read back: how many spans the journal holds
	oldSize    int64
	base, next [32]byte
}

// writeJournal saves the current content of every span of f to
// path+JournalSuffix and makes it durable (file and directory fsync)
// before anything in f is touched.
func writeJournal(path string, f *os.File, p *journalPlan) error {
	jf, err := os.OpenFile(path+JournalSuffix, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer jf.Close()
	crc := crc32.New(castagnoli)
	w := bufio.NewWriterSize(io.MultiWriter(jf, crc), 1<<20)
	hdr := make([]byte, 0, journalHeader)
	hdr = append(hdr, journalMagic...)
	hdr = binary.BigEndian.AppendUint16(hdr, FormatVersion)
	hdr = binary.BigEndian.AppendUint16(hdr, 0)
	hdr = append(hdr, p.base[:]...)
	hdr = append(hdr, p.next[:]...)
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(p.oldSize))
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(len(p.spans)))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, maxRecord)
	for _, s := range p.spans {
		data := buf[:s.n]
		if _, err := f.ReadAt(data, s.off); err != nil {
			return fmt.Errorf("backup: saving bytes %d+%d in the journal: %w", s.off, s.n, err)
		}
		var rh [recordHeader]byte
		binary.BigEndian.PutUint64(rh[:], uint64(s.off))
		binary.BigEndian.PutUint32(rh[8:], uint32(s.n))
		if _, err := w.Write(rh[:]); err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	if _, err := w.Write([]byte(journalEnd)); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := binary.Write(jf, binary.BigEndian, crc.Sum32()); err != nil {
		return err
	}
	if err := jf.Sync(); err != nil {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(path))
}

// Outcomes of recoverJournal.
const (
	recoveredNothing   = ""            // no journal
	recoveredDiscarded = "discarded"   // an incomplete journal: the file was never touched
	recoveredCommitted = "committed"   // the update had committed; only the journal was left
	recoveredRollback  = "rolled back" // the update was undone: the previous backup is back
)

// recoverJournal finishes what a killed update left: like SQLite with a
// hot journal, the backup is brought back to one consistent state before
// anyone reads it. The caller holds the writer lock.
//
// An incomplete journal means the update died before touching the backup
// file (the journal is made durable first), so it is discarded. A complete
// one is compared with the manifest on disk: if the manifest is the new
// one, the update committed; if it is the old one, the saved bytes are
// written back and the file cut to its old size; anything else is refused.
func recoverJournal(path string) (string, error) {
	jf, err := os.Open(path + JournalSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return recoveredNothing, nil
	}
	if err != nil {
		return "", err
	}
	defer jf.Close()
	hdr, err := readJournal(jf)
	if err != nil {
		return recoveredDiscarded, removeJournal(path)
	}
	cur := [32]byte{}
	if b, err := os.ReadFile(path + ManifestSuffix); err == nil {
		cur = manifestSum(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	switch cur {
	case hdr.next:
		return recoveredCommitted, removeJournal(path)
	case hdr.base:
		if err := rollBack(path, jf, hdr); err != nil {
			return "", fmt.Errorf("backup: rolling back an interrupted update of %s: %w", path, err)
		}
		return recoveredRollback, removeJournal(path)
	}
	return "", fmt.Errorf("backup: %s%s belongs to neither the manifest before nor after the interrupted update", path, JournalSuffix)
}

// readJournal checks a journal from end to end (structure, bounds, the
// final CRC) without applying anything, and returns its header. A journal
// that fails is a *FormatError; recoverJournal discards it, since the
// update it belonged to never touched the backup.
func readJournal(jf *os.File) (*journalPlan, error) {
	st, err := jf.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	br := bufio.NewReaderSize(jf, 1<<20)
	crc := crc32.New(castagnoli)
	r := io.TeeReader(br, crc) // only what is consumed reaches the CRC
	hdr := make([]byte, journalHeader)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, journalErr(size, pagefile.ErrTruncated, "journal ends inside its %d-byte header", journalHeader)
	}
	if string(hdr[:8]) != journalMagic {
		return nil, journalErr(0, pagefile.ErrBadValue, "no journal magic")
	}
	if v := binary.BigEndian.Uint16(hdr[8:]); v != FormatVersion {
		cause := pagefile.ErrBadValue
		if v > FormatVersion {
			cause = master.ErrVersion
		}
		return nil, journalErr(8, cause, "journal format version %d; this dbrescue reads version %d", v, FormatVersion)
	}
	p := &journalPlan{oldSize: int64(binary.BigEndian.Uint64(hdr[76:])), records: int64(binary.BigEndian.Uint32(hdr[84:]))}
	copy(p.base[:], hdr[12:44])
	copy(p.next[:], hdr[44:76])
	if p.oldSize < 0 {
		return nil, journalErr(76, pagefile.ErrBadValue, "old file size %d", p.oldSize)
	}
	if p.records > (size-journalHeader)/recordHeader {
		return nil, journalErr(84, pagefile.ErrTruncated, "%d records do not fit in the %d bytes after the header", p.records, size-journalHeader)
	}
	pos, err := eachRecord(r, p.records, p.oldSize, nil)
	if err != nil {
		return nil, err
	}
	end := make([]byte, len(journalEnd))
	if _, err := io.ReadFull(r, end); err != nil {
		return nil, journalErr(size, pagefile.ErrTruncated, "journal ends before its end marker")
	}
	if string(end) != journalEnd {
		return nil, journalErr(pos, pagefile.ErrBadValue, "no end marker after the %d records", p.records)
	}
	pos += int64(len(journalEnd))
	var tail [4]byte
	if _, err := io.ReadFull(br, tail[:]); err != nil {
		return nil, journalErr(size, pagefile.ErrTruncated, "journal ends before its checksum")
	}
	if got, want := crc.Sum32(), binary.BigEndian.Uint32(tail[:]); got != want {
		return nil, journalErr(pos, pagefile.ErrChecksum, "journal CRC32C %08x, computed %08x", want, got)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, journalErr(pos+4, pagefile.ErrBadValue, "bytes after the journal checksum")
	}
	return p, nil
}

// eachRecord reads count records from r, which starts after the header,
// checking each against oldSize, and hands each to fn when fn is not nil.
// It returns the journal offset after the last record.
func eachRecord(r io.Reader, count, oldSize int64, fn func(off int64, data []byte) error) (int64, error) {
	buf := make([]byte, maxRecord)
	var rh [recordHeader]byte
	pos := int64(journalHeader)
	for i := int64(0); i < count; i++ {
		if _, err := io.ReadFull(r, rh[:]); err != nil {
			return pos, journalErr(pos, pagefile.ErrTruncated, "journal ends inside the header of record %d", i)
		}
		off := int64(binary.BigEndian.Uint64(rh[:]))
		n := int64(binary.BigEndian.Uint32(rh[8:]))
		if off < 0 || n > maxRecord || off > oldSize || n > oldSize-off {
			return pos, journalErr(pos, pagefile.ErrBadValue, "record %d: bytes %d+%d outside the old file of %d", i, off, n, oldSize)
		}
		data := buf[:n]
		if _, err := io.ReadFull(r, data); err != nil {
			return pos, journalErr(pos, pagefile.ErrTruncated, "journal ends inside record %d", i)
		}
		pos += recordHeader + n
		if fn != nil {
			if err := fn(off, data); err != nil {
				return pos, err
			}
		}
	}
	return pos, nil
}

// rollBack writes the saved bytes back and restores the old size.
func rollBack(path string, jf *os.File, p *journalPlan) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := jf.Seek(journalHeader, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(jf, 1<<20)
	_, err = eachRecord(r, p.records, p.oldSize, func(off int64, data []byte) error {
		_, err := f.WriteAt(data, off)
		return err
	})
	if err != nil {
		return err
	}
	if err := f.Truncate(p.oldSize); err != nil {
		return err
	}
	return f.Sync()
}

func removeJournal(path string) error {
	if err := os.Remove(path + JournalSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(path))
}

// journalBytes is the size writeJournal produces for p, for reports.
func journalBytes(p *journalPlan) int64 {
	n := int64(journalHeader + len(journalEnd) + 4)
	for _, s := range p.spans {
		n += recordHeader + int64(s.n)
	}
	return n
}
