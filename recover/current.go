package recover

import (
	"bytes"
	"encoding/binary"
	"os"

	"github.com/dbrescue/dbrescue/pagefile"
)

// currentLeaf is a leaf of a metadata backup taken when the database was
// in its present committed state.
type currentLeaf struct {
	crc   uint32
	cells int
}

// judgeCurrent decides whether the newest metadata backup describes the
// database as it is now, not only as it was: no commit happened since it
// was taken. In rollback-journal mode the header's file change counter
// says so (SQLite bumps it at every commit); in WAL mode, where it does
// not, the WAL's header and size must be those the backup recorded. Then
// every page the backup lists must still be as it listed it, and a leaf or
// overflow page that differs was damaged, not updated: the rows read from
// it are flagged, and the rows it lost are counted.
func (r *repairer) judgeCurrent(input string) {
	if len(r.metas) == 0 {
		return
	}
	m := r.metas[0].m
	h := r.f.Header
	if h == nil || h.Magic != pagefile.Magic || h.FileChangeCounter != m.Header.FileChangeCounter || m.SchemaOnly {
		return
	}
	if h.WriteVersion == 2 || h.ReadVersion == 2 {
		fp := m.Fingerprint
		walPath := r.opts.WALPath
		if walPath == "" {
			walPath = input + "-wal"
		}
		st, err := os.Stat(walPath)
		if r.opts.NoWAL || err != nil || st.Size() != fp.WALSize || r.f.WAL == nil || !sameWALHeader(r.f.WAL.Header, fp.WALHeader) {
			return
		}
	}
	r.current = map[uint32]currentLeaf{}
	for _, tr := range m.Trees {
		for _, l := range tr.Leaves {
			r.current[l.Pgno] = currentLeaf{crc: l.CRC, cells: l.Cells}
		}
	}
	r.currentCounts = m.Counts
	r.warn("the metadata backup %s was taken at the file's present state (no commit since): every page that differs from it is damage", r.metas[0].rep.Path)
}

// sameWALHeader compares a parsed WAL header with the 32 bytes a
// fingerprint recorded.
func sameWALHeader(h pagefile.WALHeader, raw []byte) bool {
	if len(raw) < pagefile.WALHeaderSize {
		return false
	}
	var b [pagefile.WALHeaderSize]byte
	be := binary.BigEndian
	be.PutUint32(b[0:], h.Magic)
	be.PutUint32(b[4:], h.Version)
	be.PutUint32(b[8:], uint32(h.PageSize))
	be.PutUint32(b[12:], h.CheckpointSeq)
	be.PutUint32(b[16:], h.Salt1)
	be.PutUint32(b[20:], h.Salt2)
	be.PutUint32(b[24:], h.Checksum1)
	be.PutUint32(b[28:], h.Checksum2)
	return bytes.Equal(b[:8], raw[:8]) && bytes.Equal(b[12:], raw[12:32])
}

// changedSinceCurrent reports whether leaf pgno, whose image has CRC crc,
// differs from what a current metadata backup recorded for it.
func (r *repairer) changedSinceCurrent(pgno, crc uint32) bool {
	if r.current == nil {
		return false
	}
	l, listed := r.current[pgno]
	return listed && l.crc != crc
}
