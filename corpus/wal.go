package corpus

import (
	"bytes"
	"encoding/binary"

	"github.com/dbrescue/dbrescue/pagefile"
)

var be = binary.BigEndian

// readWALBytes reads and verifies a WAL held in memory.
func readWALBytes(b []byte) (*pagefile.WAL, error) {
	return pagefile.ReadWAL(bytes.NewReader(b), int64(len(b)))
}

// walFrameOffset is the file offset of frame i (0-based) of w.
func walFrameOffset(w *pagefile.WAL, i int) int64 {
	return pagefile.WALHeaderSize + int64(i)*int64(pagefile.WALFrameHeaderSize+w.PageSize())
}

// sealWAL recomputes the header checksum and the running checksum of the
// first n frames, writing the header's salts into each of them: after it,
// those frames verify exactly as a WAL written by SQLite does. Operators
// that edit a page image held in the WAL call it, so the edit reads as the
// page's content and not as a broken log; the generator calls it after
// choosing the salts.
func sealWAL(b []byte, n int) {
	bigEndian := be.Uint32(b[0:]) == 0x377f0683
	s0, s1 := pagefile.WALChecksum(0, 0, bigEndian, b[:24])
	be.PutUint32(b[24:], s0)
	be.PutUint32(b[28:], s1)
	pageSize := int(be.Uint32(b[8:]))
	frameSize := pagefile.WALFrameHeaderSize + pageSize
	for i := 0; i < n; i++ {
		f := b[pagefile.WALHeaderSize+i*frameSize:][:frameSize]
		copy(f[8:16], b[16:24])
		s0, s1 = pagefile.WALChecksum(s0, s1, bigEndian, f[:8])
		s0, s1 = pagefile.WALChecksum(s0, s1, bigEndian, f[pagefile.WALFrameHeaderSize:])
		be.PutUint32(f[16:], s0)
		be.PutUint32(f[20:], s1)
	}
}
