package pagefile_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dbrescue/dbrescue/pagefile"
)

// FuzzReadWAL reads arbitrary bytes as a WAL, overlays it on arbitrary
// bytes as the main file, and reads pages through the overlay. Seeds live
// in testdata/fuzz/FuzzReadWAL (see TestUpdateFuzzSeeds in package btree).
func FuzzReadWAL(f *testing.F) {
	f.Fuzz(func(t *testing.T, wal []byte, db []byte) {
		w, err := pagefile.ReadWAL(bytes.NewReader(wal), int64(len(wal)))
		if err != nil {
			var ce *pagefile.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *CorruptError: %v", err, err)
			}
			return
		}
		if w.Committed > len(w.Frames) {
			t.Fatalf("%d committed of %d frames", w.Committed, len(w.Frames))
		}
		if limit := (len(wal) - pagefile.WALHeaderSize) / (pagefile.WALFrameHeaderSize + w.PageSize()); len(w.Frames) > limit {
			t.Fatalf("%d frames in a WAL that holds at most %d", len(w.Frames), limit)
		}
		base, err := pagefile.NewBytesSource(db, w.PageSize())
		if err != nil {
			t.Fatal(err)
		}
		ov, err := pagefile.NewWALOverlay(base, w)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, ov.PageSize())
		for pgno := uint32(1); pgno <= min(ov.PageCount(), 64); pgno++ {
			if err := ov.ReadPage(pgno, buf); err != nil {
				t.Fatalf("page %d of %d: %v", pgno, ov.PageCount(), err)
			}
		}
		f, err := pagefile.New(bytes.NewReader(db), int64(len(db)), bytes.NewReader(wal), int64(len(wal)), pagefile.Options{})
		if err == nil {
			_ = f.Freelist()
		}
	})
}
