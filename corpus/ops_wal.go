package corpus

import (
	"fmt"

	"github.com/dbrescue/dbrescue/pagefile"
)

// WAL damage: the log's running checksum makes one bad frame end the valid
// prefix, so everything committed after it silently reverts to the main
// file's older pages.
func registerWALKinds() {
	register(KindInfo{Kind: WALFrameDamaged, Summary: "change bytes inside one committed WAL frame's page image; its checksum no longer verifies", NeedsWAL: true}, walFrameDamaged)
	register(KindInfo{Kind: WALSaltMismatch, Summary: "give the WAL frames from one commit on the salts of another generation", NeedsWAL: true}, walSaltMismatch)
}

// walFrameDamaged changes 16 bytes at random offsets of one committed
// frame's page image, leaving its checksum as it was.
func walFrameDamaged(o *op) error {
	w := o.im.file.WAL
	if w.Committed == 0 {
		return noTarget("the WAL has no committed frame")
	}
	i := o.rng.IntN(w.Committed)
	fr := w.Frames[i]
	img := o.im.wal[fr.Offset+pagefile.WALFrameHeaderSize:][:w.PageSize()]
	for range 16 {
		img[o.rng.IntN(len(img))] ^= byte(1 + o.rng.IntN(255))
	}
	o.dmg.Frames = []int{i}
	o.dmg.Targets = []uint32{fr.Pgno}
	o.dmg.Summary = fmt.Sprintf("WAL frame %d (page %d) damaged; frames %d-%d no longer verify", i, fr.Pgno, i, len(w.Frames)-1)
	return nil
}

// walSaltMismatch picks a commit boundary (the start of the WAL, or just
// after one of its commits but the last) and changes the first salt of
// every frame from there on, as frames left by an earlier generation of the
// log look: a reader stops at the first of them.
func walSaltMismatch(o *op) error {
	w := o.im.file.WAL
	if w.Committed == 0 {
		return noTarget("the WAL has no committed frame")
	}
	starts := []int{0}
	for _, c := range w.Commits[:len(w.Commits)-1] {
		starts = append(starts, c+1)
	}
	from := pick(o.rng, starts)
	for i := from; i < len(w.Frames); i++ {
		salt := o.im.wal[w.Frames[i].Offset+8:]
		be.PutUint32(salt, be.Uint32(salt)-1)
		o.dmg.Frames = append(o.dmg.Frames, i)
	}
	o.dmg.Summary = fmt.Sprintf("salts of WAL frames %d-%d changed; the log now holds %d valid frames of %d", from, len(w.Frames)-1, from, len(w.Frames))
	return nil
}
