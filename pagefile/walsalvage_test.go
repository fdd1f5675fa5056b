package pagefile_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/pagefile"
)

func salvageWAL(t *testing.T, b []byte, pageSize int) *pagefile.WAL {
	t.Helper()
	w, err := pagefile.SalvageWAL(bytes.NewReader(b), int64(len(b)), pageSize)
	if err != nil {
		t.Fatalf("SalvageWAL: %v", err)
	}
	return w
}

// walByteOrders is the fixture's WAL as SQLite wrote it (little-endian
// checksums on this machine) and rewritten with big-endian checksums, as a
// big-endian machine writes it.
func walByteOrders(t *testing.T) []struct {
	name string
	wal  []byte
} {
	d := loadWALDB(t)
	n := len(readWAL(t, d.WAL).Frames)
	return []struct {
		name string
		wal  []byte
	}{
		{"little-endian", d.WAL},
		{"big-endian", rechecksum(d.WAL, walMagicBE, n)},
	}
}

// TestSalvageWALHeader destroys the WAL header in several ways: the header
// rebuilt from frame 0 is the original one, field for field, and the
// salvaged WAL finds the same frames and serves the same pages as the
// intact one, in both checksum byte orders, whether the page size is known
// or has to be found.
func TestSalvageWALHeader(t *testing.T) {
	d := loadWALDB(t)
	damages := []struct {
		name string
		do   func(b []byte)
	}{
		{"zeroed", func(b []byte) { clear(b[:pagefile.WALHeaderSize]) }},
		{"overwritten", func(b []byte) { copy(b, bytes.Repeat([]byte{0xa5}, pagefile.WALHeaderSize)) }},
		{"checkpoint sequence changed", func(b []byte) { b[15] ^= 0x08 }},
		{"database header written over it", func(b []byte) { copy(b, pagefile.Magic+"\x04\x00\x01\x01\x00\x40\x20\x20") }},
	}
	for _, bo := range walByteOrders(t) {
		intact := readWAL(t, bo.wal)
		wantPages := overlayPages(t, d.Main, intact)
		for _, dm := range damages {
			for _, ps := range []int{d.PageSize, 0} {
				name := bo.name + "/" + dm.name
				if ps == 0 {
					name += "/page size unknown"
				}
				t.Run(name, func(t *testing.T) {
					b := clone(bo.wal)
					dm.do(b)
					if _, err := pagefile.ReadWAL(bytes.NewReader(b), int64(len(b))); err == nil {
						t.Fatalf("ReadWAL accepted the damaged header; the case proves nothing")
					}
					w := salvageWAL(t, b, ps)
					if diff := cmp.Diff(intact.Header, w.Header); diff != "" {
						t.Errorf("rebuilt header (-intact +salvaged):\n%s", diff)
					}
					if diff := cmp.Diff(summarize(intact), summarize(w)); diff != "" {
						t.Errorf("frames (-intact +salvaged):\n%s", diff)
					}
					if w.LostFrames != 0 || !strings.Contains(w.Salvaged, "frame 0") {
						t.Errorf("LostFrames %d, Salvaged %q", w.LostFrames, w.Salvaged)
					}
					if diff := diffPages(wantPages, overlayPages(t, d.Main, w)); diff != "" {
						t.Errorf("pages (intact vs salvaged):\n%s", diff)
					}
				})
			}
		}
	}
}

// TestSalvageWALFrame0Damaged destroys the header and frame 0's page: no
// header runs back from frame 0, which is never used. Frame 1 continues
// from frame 0's stored checksum, so the frames from 1 on are.
func TestSalvageWALFrame0Damaged(t *testing.T) {
	d := loadWALDB(t)
	for _, bo := range walByteOrders(t) {
		t.Run(bo.name, func(t *testing.T) {
			intact := readWAL(t, bo.wal)
			b := clone(bo.wal)
			clear(b[:pagefile.WALHeaderSize])
			b[intact.Frames[0].Offset+pagefile.WALFrameHeaderSize+300] ^= 0x10
			w := salvageWAL(t, b, d.PageSize)
			if w.LostFrames != 1 || !strings.Contains(w.Salvaged, "frame 0") {
				t.Errorf("LostFrames %d, Salvaged %q", w.LostFrames, w.Salvaged)
			}
			if w.Header.BigEndianChecksum() != intact.Header.BigEndianChecksum() || w.Header.Salt1 != intact.Header.Salt1 || w.Header.Salt2 != intact.Header.Salt2 {
				t.Errorf("header %+v; want the byte order and salts of %+v", w.Header, intact.Header)
			}
			if diff := cmp.Diff(intact.Frames[1:], w.Frames); diff != "" {
				t.Errorf("frames (-intact from frame 1 +salvaged):\n%s", diff)
			}
			if w.Committed != intact.Committed-1 || w.DatabaseSize != intact.DatabaseSize || w.Stop != nil {
				t.Errorf("%d committed (intact %d), size %d (intact %d), stop %v", w.Committed, intact.Committed, w.DatabaseSize, intact.DatabaseSize, w.Stop)
			}
			// Every page served is its newest committed image from frame 1
			// on; frame 0's page is served only when a later frame has it.
			buf := make([]byte, d.PageSize)
			for pgno := uint32(1); pgno <= w.DatabaseSize; pgno++ {
				want := committedImage(w, b, pgno)
				ok, err := w.ReadPage(pgno, buf)
				if err != nil || ok != (want != nil) || (ok && !bytes.Equal(buf, want)) {
					t.Errorf("page %d: served %v (%v), newest image from frame 1 on: %v", pgno, ok, err, want != nil)
				}
			}
			p0 := intact.Frames[0].Pgno
			if w.Has(p0) && committedImage(w, b, p0) == nil {
				t.Errorf("frame 0's page %d is served", p0)
			}
		})
	}
}

// TestSalvageWALFails gives SalvageWAL nothing it can prove.
func TestSalvageWALFails(t *testing.T) {
	d := loadWALDB(t)
	intact := readWAL(t, d.WAL)
	frames01 := clone(d.WAL)
	clear(frames01[:pagefile.WALHeaderSize])
	for _, f := range intact.Frames[:2] {
		frames01[f.Offset+pagefile.WALFrameHeaderSize+5] ^= 0x01
	}
	for _, tt := range []struct {
		name     string
		wal      []byte
		pageSize int
	}{
		{"frames 0 and 1 damaged", frames01, d.PageSize},
		{"frames 0 and 1 damaged, page size unknown", frames01, 0},
		{"another page size", d.WAL, 4096},
		{"shorter than a frame", d.WAL[:pagefile.WALHeaderSize+500], d.PageSize},
		{"empty", nil, 0},
		{"random bytes", randomBytes(100000, 3), 0},
		{"zeros", make([]byte, 100000), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, err := pagefile.SalvageWAL(bytes.NewReader(tt.wal), int64(len(tt.wal)), tt.pageSize)
			if diff := cmp.Diff(problem{Offset: pagefile.WALHeaderSize, Cause: "ErrBadValue"}, describe(err)); diff != "" || w != nil {
				t.Errorf("WAL %v (-want +got):\n%s", w, diff)
			}
		})
	}
}

// TestSalvageWALOneFrame salvages a WAL of a single frame: no frame 1
// tells the byte order, so frame 0's proof is tried in both.
func TestSalvageWALOneFrame(t *testing.T) {
	d := loadWALDB(t)
	frameSize := pagefile.WALFrameHeaderSize + d.PageSize
	for _, bo := range walByteOrders(t) {
		one := bo.wal[:pagefile.WALHeaderSize+frameSize]
		intact := readWAL(t, one)
		b := clone(one)
		clear(b[:pagefile.WALHeaderSize])
		w := salvageWAL(t, b, 0)
		if diff := cmp.Diff(intact.Header, w.Header); diff != "" {
			t.Errorf("%s: rebuilt header (-intact +salvaged):\n%s", bo.name, diff)
		}
		if diff := cmp.Diff(summarize(intact), summarize(w)); diff != "" {
			t.Errorf("%s: frames (-intact +salvaged):\n%s", bo.name, diff)
		}
	}
}

// TestOpenSalvagesWAL opens a database whose WAL header is zeroed: the WAL
// is overlaid as SQLite would have overlaid the intact one, WAL.Salvaged
// says why and how, and WALError is nil. When salvage fails, WALError
// keeps the header's problem and says salvage was tried.
func TestOpenSalvagesWAL(t *testing.T) {
	d := loadWALDB(t)
	want := sqlitePages(t, d.Main, d.WAL)
	b := clone(d.WAL)
	clear(b[:pagefile.WALHeaderSize])
	f := open(t, writeDB(t, d.Main, b), pagefile.Options{})
	if f.WAL == nil || f.WALError() != nil {
		t.Fatalf("WAL %v, WALError %v", f.WAL, f.WALError())
	}
	if !strings.Contains(f.WAL.Salvaged, "WAL magic is 0") || !strings.Contains(f.WAL.Salvaged, "rebuilt") {
		t.Errorf("Salvaged %q; want the header's problem and how it was overcome", f.WAL.Salvaged)
	}
	if diff := diffPages(want, sourcePages(t, f)); diff != "" {
		t.Errorf("File vs sqlite_dbpage over the intact WAL:\n%s", diff)
	}
	if diff := cmp.Diff(pagefile.ParseHeader(want[0]), f.Header, ignoreProblems); diff != "" {
		t.Errorf("Header vs SQLite's page 1 (-want +got):\n%s", diff)
	}

	// The page size comes from the WAL when the main header has none.
	zeroed := clone(d.Main)
	clear(zeroed[:pagefile.HeaderSize])
	f = open(t, writeDB(t, zeroed, b), pagefile.Options{})
	if f.WAL == nil || f.Geometry.PageSize != d.PageSize {
		t.Errorf("main header and WAL header zeroed: WAL %v (%v), geometry %+v", f.WAL, f.WALError(), f.Geometry)
	}

	intact := readWAL(t, d.WAL)
	for _, fr := range intact.Frames[:2] {
		b[fr.Offset+pagefile.WALFrameHeaderSize+7] ^= 0x01
	}
	f = open(t, writeDB(t, d.Main, b), pagefile.Options{})
	if diff := cmp.Diff(problem{Cause: "ErrBadValue"}, describe(f.WALError())); diff != "" || f.WAL != nil {
		t.Errorf("WAL %v, WALError (-want +got):\n%s", f.WAL, diff)
	}
	if err := f.WALError(); err == nil || !strings.Contains(err.Error(), "salvage failed") {
		t.Errorf("WALError %v; want it to say salvage failed", err)
	}
}

// TestWALMissing: a database whose header says WAL mode, opened without
// its -wal, may lack commits that were never checkpointed.
func TestWALMissing(t *testing.T) {
	d := loadWALDB(t)
	if d.Main[18] != 2 || d.Main[19] != 2 {
		t.Fatalf("fixture header bytes 18-19 are %d %d, not WAL mode", d.Main[18], d.Main[19])
	}
	rollback := clone(d.Main)
	rollback[18], rollback[19] = 1, 1
	for _, tt := range []struct {
		name      string
		main, wal []byte
		opts      pagefile.Options
		want      bool
	}{
		{"WAL mode, no -wal", d.Main, nil, pagefile.Options{}, true},
		{"WAL mode, -wal present", d.Main, d.WAL, pagefile.Options{}, false},
		{"WAL mode, empty -wal", d.Main, []byte{}, pagefile.Options{}, false},
		{"WAL mode, -wal declined", d.Main, nil, pagefile.Options{NoWAL: true}, false},
		{"rollback mode, no -wal", rollback, nil, pagefile.Options{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, writeDB(t, tt.main, tt.wal), tt.opts)
			if f.WALMissing() != tt.want {
				t.Errorf("WALMissing %v, want %v", f.WALMissing(), tt.want)
			}
		})
	}
}
