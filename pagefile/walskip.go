package pagefile

import "encoding/binary"

// skipDamaged decides whether a frame whose checksum does not verify can
// be stepped over: the checksum each frame stores is the running checksum
// of the log up to and including it, so when the damage spared the stored
// checksum of the bad frame, the next frame's own checksum verifies when
// continued from it. frame (at off) is the bad frame. If the next frame
// has the header's salts and verifies so, the chain goes on from the bad
// frame's stored checksum, which is returned; the bad frame's page image
// is not used. Without a next frame that verifies (a torn write at the
// end of the log, or damage to the stored checksum itself) reading stops
// there, as SQLite's does.
func skipDamaged(r interface {
	ReadAt([]byte, int64) (int, error)
}, size int64, h WALHeader, frame []byte, off, frameSize int64) (walChecksum, bool) {
	be := binary.BigEndian
	resume := walChecksum{s0: be.Uint32(frame[16:]), s1: be.Uint32(frame[20:]), bigEndian: h.BigEndianChecksum()}
	nextOff := off + frameSize
	if nextOff+frameSize > size {
		return walChecksum{}, false
	}
	next := make([]byte, frameSize)
	if _, err := r.ReadAt(next, nextOff); err != nil {
		return walChecksum{}, false
	}
	if be.Uint32(next[8:]) != h.Salt1 || be.Uint32(next[12:]) != h.Salt2 {
		return walChecksum{}, false
	}
	sum := resume
	sum.add(next[0:8])
	sum.add(next[WALFrameHeaderSize:])
	if sum.s0 != be.Uint32(next[16:]) || sum.s1 != be.Uint32(next[20:]) {
		return walChecksum{}, false
	}
	return resume, true
}

// settleSkipped drops skipped frames of the uncommitted tail (nothing is
// lost by them) unless they claim to commit (then the last transaction may
// be what was lost), and lists the pages whose newest committed image was
// a skipped frame: no later committed frame holds them, so they are served
// as they were before that frame.
func (w *WAL) settleSkipped() {
	kept := w.Skipped[:0]
	for _, f := range w.Skipped {
		if f.Index < w.lastCommit || f.Commit != 0 {
			kept = append(kept, f)
		}
	}
	w.Skipped = kept
	newest := map[uint32]int{}
	for _, f := range w.Frames[:w.Committed] {
		newest[f.Pgno] = f.Index
	}
	stale := map[uint32]bool{}
	for _, f := range w.Skipped {
		n, rewritten := newest[f.Pgno]
		if f.Index < w.lastCommit && f.Pgno != 0 && f.Pgno <= w.DatabaseSize && (!rewritten || n < f.Index) && !stale[f.Pgno] {
			stale[f.Pgno] = true
			w.StalePages = append(w.StalePages, f.Pgno)
		}
	}
}
