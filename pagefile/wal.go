package pagefile

import (
	"encoding/binary"
	"fmt"
	"io"
)

// WAL header and frame geometry.
const (
	WALHeaderSize      = 32
	WALFrameHeaderSize = 24
	walMagicLE         = 0x377f0682 // checksums over little-endian words
	walMagicBE         = 0x377f0683 // checksums over big-endian words
	walFormatVersion   = 3007000    // the only version SQLite writes or accepts
)

// WALHeader is the decoded 32-byte WAL header.
type WALHeader struct {
	Magic         uint32
	Version       uint32
	PageSize      int
	CheckpointSeq uint32
	Salt1, Salt2  uint32
	Checksum1     uint32
	Checksum2     uint32
}

// BigEndianChecksum reports whether checksums are computed over big-endian
// words (magic 0x377f0683) rather than little-endian ones.
func (h *WALHeader) BigEndianChecksum() bool { return h.Magic == walMagicBE }

// WALFrame is one frame whose salts and running checksum verified.
type WALFrame struct {
	Index  int    // position of the frame in the WAL, from 0
	Offset int64  // file offset of the frame header
	Pgno   uint32 // page the frame holds
	Commit uint32 // database size in pages after this commit; 0 if not a commit frame
}

// WAL is a write-ahead log read and verified up to its last valid frame.
//
// ReadWAL verifies the header checksum, and for each frame that the salts
// match the header and that the running checksum (over the header and every
// frame so far) matches. Reading stops at the first frame that fails; Stop
// says why. Frames lists every verified frame, including an uncommitted tail;
// only frames up to and including the last commit frame (Committed of them)
// are part of the database, and only those are served by ReadPage.
//
// SalvageWAL reads a WAL whose header is lost from its frames; Salvaged then
// says how, and LostFrames how many frames at the start could not be proven.
type WAL struct {
	Header       WALHeader
	Frames       []WALFrame
	Commits      []int  // indexes into Frames of the commit frames
	Committed    int    // number of frames up to and including the last commit
	DatabaseSize uint32 // database size in pages after the last commit; 0 if none
	Stop         error  // why reading stopped before the end of the file; nil if it reached the end
	// Salvaged says how the frames were proven without the header; empty
	// when the header verified. See SalvageWAL.
	Salvaged string
	// LostFrames is the number of frames at the start of the file that
	// could not be proven and are not used (0, or 1 when only frame 0 was
	// lost with the header). The database then lacks their pages.
	LostFrames int
	// Skipped lists damaged frames inside the log that reading went past
	// (see readFrames): their page images are not used. StalePages lists
	// the pages whose newest committed image was such a frame: they are
	// served as they were before it.
	Skipped    []WALFrame
	StalePages []uint32
	// SaltsRepaired counts frames whose salts were damaged but whose
	// checksum continues the log's chain: they are used.
	SaltsRepaired int

	r     io.ReaderAt
	pages pageIndex // page number → its newest committed image, up to DatabaseSize
	// lastCommit is the index in the file of the last commit frame read
	// (verified, or skipped as damaged), -1 when there is none.
	lastCommit int
}

// ReadWAL reads and verifies the WAL held in r (size bytes). A damaged or
// missing header is an error; damaged frames only end the valid prefix.
func ReadWAL(r io.ReaderAt, size int64) (*WAL, error) {
	h, err := readWALHeader(r, size)
	if err != nil {
		return nil, err
	}
	return readFrames(r, size, h, walChecksum{s0: h.Checksum1, s1: h.Checksum2, bigEndian: h.BigEndianChecksum()}, 0), nil
}

// readWALHeader decodes and verifies the 32-byte WAL header.
func readWALHeader(r io.ReaderAt, size int64) (WALHeader, error) {
	var hb [WALHeaderSize]byte
	if size < WALHeaderSize {
		return WALHeader{}, Corrupt(0, 0, ErrTruncated, "WAL has %d bytes, shorter than its %d-byte header", size, WALHeaderSize)
	}
	if _, err := r.ReadAt(hb[:], 0); err != nil {
		return WALHeader{}, fmt.Errorf("pagefile: reading WAL header: %w", err)
	}
	be := binary.BigEndian
	h := WALHeader{
		Magic:         be.Uint32(hb[0:]),
		Version:       be.Uint32(hb[4:]),
		PageSize:      int(be.Uint32(hb[8:])),
		CheckpointSeq: be.Uint32(hb[12:]),
		Salt1:         be.Uint32(hb[16:]),
		Salt2:         be.Uint32(hb[20:]),
		Checksum1:     be.Uint32(hb[24:]),
		Checksum2:     be.Uint32(hb[28:]),
	}
	if h.Magic != walMagicLE && h.Magic != walMagicBE {
		return h, Corrupt(0, 0, ErrBadValue, "WAL magic is %#x, not 0x377f0682 or 0x377f0683", h.Magic)
	}
	if h.Version != walFormatVersion {
		return h, Corrupt(0, 4, ErrBadValue, "WAL format version %d, not %d", h.Version, walFormatVersion)
	}
	if h.PageSize == 1 {
		h.PageSize = 65536 // not written by SQLite, but harmless to accept
	}
	if !ValidPageSize(h.PageSize) {
		return h, Corrupt(0, 8, ErrBadValue, "WAL page size %d is not a power of two between 512 and 65536", h.PageSize)
	}
	s0, s1 := WALChecksum(0, 0, h.BigEndianChecksum(), hb[:24])
	if s0 != h.Checksum1 || s1 != h.Checksum2 {
		return h, Corrupt(0, 24, ErrChecksum, "WAL header checksum %08x%08x does not match computed %08x%08x",
			h.Checksum1, h.Checksum2, s0, s1)
	}
	return h, nil
}

// readFrames verifies frames from frame first on, whose running checksum
// must continue from sum, against the salts of h.
func readFrames(r io.ReaderAt, size int64, h WALHeader, sum walChecksum, first int) *WAL {
	w := &WAL{Header: h, r: r, LostFrames: first, pages: newPageIndex("WAL", r, h.PageSize), lastCommit: -1}
	be := binary.BigEndian
	frameSize := int64(WALFrameHeaderSize + h.PageSize)
	frame := make([]byte, frameSize)
	pending := map[uint32]int64{} // images since the last commit
	for i := first; ; i++ {
		off := WALHeaderSize + int64(i)*frameSize
		if off+frameSize > size {
			if off < size {
				w.Stop = Corrupt(0, off, ErrTruncated, "WAL ends inside frame %d (%d of %d bytes)", i, size-off, frameSize)
			}
			break
		}
		if _, err := r.ReadAt(frame, off); err != nil {
			w.Stop = fmt.Errorf("pagefile: reading WAL frame at offset %d: %w", off, err)
			break
		}
		pgno := be.Uint32(frame[0:])
		commit := be.Uint32(frame[4:])
		next := sum
		next.add(frame[0:8])
		next.add(frame[WALFrameHeaderSize:])
		chained := next.s0 == be.Uint32(frame[16:]) && next.s1 == be.Uint32(frame[20:])
		if be.Uint32(frame[8:]) != h.Salt1 || be.Uint32(frame[12:]) != h.Salt2 {
			if !chained {
				w.Stop = Corrupt(0, off+8, ErrBadValue, "WAL frame %d salts do not match the header (left from an earlier generation)", i)
				break
			}
			// The checksum does not cover the salts: a frame whose
			// checksum continues this log's chain belongs to it, and
			// only its salts were damaged.
			w.SaltsRepaired++
		}
		if !chained {
			skip, ok := skipDamaged(r, size, h, frame, off, frameSize)
			if !ok {
				w.Stop = Corrupt(0, off+16, ErrChecksum, "WAL frame %d checksum does not match", i)
				break
			}
			// Its header is unverified too: its commit field ends no
			// transaction (a damaged one could shrink the database),
			// so a transaction it committed is merged into the next.
			w.Skipped = append(w.Skipped, WALFrame{Index: i, Offset: off, Pgno: pgno, Commit: commit})
			sum = skip
			continue
		}
		if pgno == 0 {
			w.Stop = Corrupt(0, off, ErrBadValue, "WAL frame %d holds page 0", i)
			break
		}
		sum = next
		w.Frames = append(w.Frames, WALFrame{Index: i, Offset: off, Pgno: pgno, Commit: commit})
		pending[pgno] = off + WALFrameHeaderSize
		if commit != 0 {
			w.Commits = append(w.Commits, len(w.Frames)-1)
			w.endTransaction(pending, commit, i)
		}
	}
	w.pages.limit = w.DatabaseSize
	w.settleSkipped()
	return w
}

// endTransaction makes the pending images of a transaction that committed
// at frame i (database size commit) the newest committed ones.
func (w *WAL) endTransaction(pending map[uint32]int64, commit uint32, i int) {
	w.Committed = len(w.Frames)
	w.DatabaseSize = commit
	w.lastCommit = i
	for p, o := range pending {
		w.pages.at[p] = o
	}
	clear(pending)
}

// AsOfCommit returns the WAL as it stood after its (i+1)-th commit frame,
// Commits[i]: later frames are dropped, and ReadPage serves the images
// committed up to then. i = -1 gives a WAL with no committed frame, which
// serves nothing. A reader that holds an older snapshot than the newest
// commit sees the database this way.
func (w *WAL) AsOfCommit(i int) (*WAL, error) {
	if i < -1 || i >= len(w.Commits) {
		return nil, fmt.Errorf("pagefile: commit %d of %d", i, len(w.Commits))
	}
	v := &WAL{Header: w.Header, r: w.r, Salvaged: w.Salvaged, LostFrames: w.LostFrames, pages: newPageIndex("WAL", w.r, w.Header.PageSize)}
	if i < 0 {
		v.Frames = w.Frames[:0:0]
		return v, nil
	}
	end := w.Commits[i] + 1
	v.Frames = w.Frames[:end:end]
	v.Commits = w.Commits[: i+1 : i+1]
	v.Committed = end
	v.DatabaseSize = w.Frames[end-1].Commit
	for _, f := range v.Frames {
		v.pages.at[f.Pgno] = f.Offset + WALFrameHeaderSize
	}
	v.pages.limit = v.DatabaseSize
	return v, nil
}

// PageSize is the page size the WAL was written with.
func (w *WAL) PageSize() int { return w.Header.PageSize }

// Has reports whether the committed part of the WAL holds an image of pgno.
func (w *WAL) Has(pgno uint32) bool { return w.pages.has(pgno) }

// ReadPage fills dst with the newest committed image of pgno. It reports
// false when the WAL holds no committed image of that page.
func (w *WAL) ReadPage(pgno uint32, dst []byte) (bool, error) { return w.pages.read(pgno, dst) }

// WALChecksum continues the WAL's running checksum (s0, s1) over b, whose
// length must be a multiple of 8, with words read big-endian or
// little-endian as the WAL magic says. Start from (0, 0) for the header.
func WALChecksum(s0, s1 uint32, bigEndian bool, b []byte) (uint32, uint32) {
	c := walChecksum{s0: s0, s1: s1, bigEndian: bigEndian}
	c.add(b)
	return c.s0, c.s1
}

// walChecksum is the running Fibonacci-weighted checksum of the WAL format.
type walChecksum struct {
	s0, s1    uint32
	bigEndian bool
}

// add folds b, whose length is a multiple of 8, into the checksum.
func (c *walChecksum) add(b []byte) {
	s0, s1 := c.s0, c.s1
	if c.bigEndian {
		for i := 0; i+8 <= len(b); i += 8 {
			s0 += binary.BigEndian.Uint32(b[i:]) + s1
			s1 += binary.BigEndian.Uint32(b[i+4:]) + s0
		}
	} else {
		for i := 0; i+8 <= len(b); i += 8 {
			s0 += binary.LittleEndian.Uint32(b[i:]) + s1
			s1 += binary.LittleEndian.Uint32(b[i+4:]) + s0
		}
	}
	c.s0, c.s1 = s0, s1
}
