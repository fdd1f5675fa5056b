package pagefile

import (
	"encoding/binary"
	"fmt"
	"io"
)

// SalvageWAL reads the WAL held in r (size bytes) when ReadWAL cannot use
// its header: zeroed, overwritten, or failing its checksum. SQLite then
// ignores the whole log and with it every commit not yet checkpointed.
// But every frame header repeats the salts and carries the running
// checksum, so frames can be proven without the header:
//
//   - The checksum byte order is the one under which frame 1's stored
//     checksum continues from frame 0's.
//   - Frame 0 is proven by running its checksum backwards. A step of the
//     checksum (s0 += x0 + s1; s1 += x1 + s0) is undone given its two
//     words, so undoing frame 0's page and first 8 header bytes from its
//     stored checksum gives the header's checksum, and undoing the salts
//     gives the state after the header's first 16 bytes. Those are the
//     magic and version (fixed for the byte order), the page size, and the
//     checkpoint sequence number, which the second word of that state
//     solves for; the first word must then match, a 32-bit check. When it
//     does, the header is rebuilt whole and the WAL is read as ReadWAL
//     reads an intact one.
//   - When frame 0 fails that proof (its own bytes are damaged too) but
//     frame 1 continues from frame 0's stored checksum, the frames from 1
//     on are used and frame 0 is not (LostFrames is 1). That continuation
//     ties them to the generation that last wrote the start of the file,
//     the current one: a WAL restart rewrites frame 0 first, so frames of
//     an earlier generation left further on cannot continue from it. A
//     chain that starts later proves no such thing and is never used. The
//     pages only frame 0 held then read from the main file, so the
//     database seen is not exactly one SQLite committed; Salvaged says so.
//
// pageSize is the database's page size; 0 tries every valid one. Salvaged
// on the result says how the frames were proven. An error means no frame
// proves itself.
func SalvageWAL(r io.ReaderAt, size int64, pageSize int) (*WAL, error) {
	sizes := candidatePageSizes(pageSize)
	for _, ps := range sizes {
		frameSize := int64(WALFrameHeaderSize + ps)
		f0 := make([]byte, frameSize)
		if WALHeaderSize+frameSize > size || readFull(r, f0, WALHeaderSize) != nil {
			continue
		}
		orders := []bool{false, true}
		var chained []bool
		f1 := make([]byte, frameSize)
		if readFull(r, f1, WALHeaderSize+frameSize) == nil && string(f1[8:16]) == string(f0[8:16]) {
			for _, bigEndian := range orders {
				if continues(f0, f1, bigEndian) {
					chained = append(chained, bigEndian)
				}
			}
		}
		if len(chained) == 1 {
			orders = chained
		}
		for _, bigEndian := range orders {
			if h, ok := rebuildWALHeader(f0, ps, bigEndian); ok {
				w := readFrames(r, size, h, walChecksum{s0: h.Checksum1, s1: h.Checksum2, bigEndian: bigEndian}, 0)
				w.Salvaged = fmt.Sprintf("header rebuilt from frame 0, whose checksum proves every field (page size %d, %s checksums, checkpoint sequence %d)",
					ps, byteOrderName(bigEndian), h.CheckpointSeq)
				return w, nil
			}
		}
		if len(chained) == 1 {
			bigEndian := chained[0]
			be := binary.BigEndian
			h := WALHeader{Magic: walMagicLE, Version: walFormatVersion, PageSize: ps, Salt1: be.Uint32(f0[8:]), Salt2: be.Uint32(f0[12:])}
			if bigEndian {
				h.Magic = walMagicBE
			}
			w := readFrames(r, size, h, walChecksum{s0: be.Uint32(f0[16:]), s1: be.Uint32(f0[20:]), bigEndian: bigEndian}, 1)
			w.Salvaged = fmt.Sprintf("header lost and frame 0 damaged: frames from 1 on, which continue from frame 0's stored checksum, are used (page size %d, %s checksums); frame 0 is not, and the pages only it held read from the main file",
				ps, byteOrderName(bigEndian))
			return w, nil
		}
	}
	return nil, Corrupt(0, WALHeaderSize, ErrBadValue, "no WAL frame proves itself without the header (page sizes tried: %v; both checksum byte orders)", sizes)
}

// continues reports whether frame f1's stored checksum continues from
// frame f0's in the given byte order.
func continues(f0, f1 []byte, bigEndian bool) bool {
	be := binary.BigEndian
	c := walChecksum{s0: be.Uint32(f0[16:]), s1: be.Uint32(f0[20:]), bigEndian: bigEndian}
	c.add(f1[:8])
	c.add(f1[WALFrameHeaderSize:])
	return c.s0 == be.Uint32(f1[16:]) && c.s1 == be.Uint32(f1[20:])
}

// rebuildWALHeader runs frame 0's stored checksum back to the header and
// solves for the header that produced it (see SalvageWAL). ok is false
// when no header of this page size and byte order can have.
func rebuildWALHeader(f0 []byte, ps int, bigEndian bool) (h WALHeader, ok bool) {
	be := binary.BigEndian
	c := walChecksum{s0: be.Uint32(f0[16:]), s1: be.Uint32(f0[20:]), bigEndian: bigEndian}
	c.undo(f0[WALFrameHeaderSize:])
	c.undo(f0[:8])
	sum := c // the header's checksum
	c.undo(f0[8:16])

	var hb [24]byte
	h = WALHeader{Magic: walMagicLE, Version: walFormatVersion, PageSize: ps}
	if bigEndian {
		h.Magic = walMagicBE
	}
	be.PutUint32(hb[0:], h.Magic)
	be.PutUint32(hb[4:], h.Version)
	be.PutUint32(hb[8:], uint32(ps))
	copy(hb[16:], f0[8:16])
	// After the magic and version the state is (m, v+m); the page size p
	// and checkpoint word k then give (m+p+v+m, v+m+k+s0).
	a0 := c.word(hb[0:])
	a1 := c.word(hb[4:]) + a0
	if c.s0 != a0+c.word(hb[8:])+a1 {
		return WALHeader{}, false
	}
	k := c.s1 - a1 - c.s0
	if bigEndian {
		be.PutUint32(hb[12:], k)
	} else {
		binary.LittleEndian.PutUint32(hb[12:], k)
	}
	h.CheckpointSeq = be.Uint32(hb[12:])
	h.Salt1, h.Salt2 = be.Uint32(hb[16:]), be.Uint32(hb[20:])
	h.Checksum1, h.Checksum2 = sum.s0, sum.s1
	// Forward again as a guard: the rebuilt header must checksum to sum.
	if s0, s1 := WALChecksum(0, 0, bigEndian, hb[:]); s0 != sum.s0 || s1 != sum.s1 {
		return WALHeader{}, false
	}
	return h, true
}

// undo runs the checksum backwards over b, whose length is a multiple of
// 8: after c.add(b), c.undo(b) restores c.
func (c *walChecksum) undo(b []byte) {
	s0, s1 := c.s0, c.s1
	for i := len(b) - 8; i >= 0; i -= 8 {
		p1 := s1 - c.word(b[i+4:]) - s0
		s0, s1 = s0-c.word(b[i:])-p1, p1
	}
	c.s0, c.s1 = s0, s1
}

// word reads the 32-bit word at the start of b in the checksum's byte
// order.
func (c *walChecksum) word(b []byte) uint32 {
	if c.bigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func byteOrderName(bigEndian bool) string {
	if bigEndian {
		return "big-endian"
	}
	return "little-endian"
}
