package pagefile_test

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

const (
	walMagicLE = 0x377f0682
	walMagicBE = 0x377f0683
)

func readWAL(t *testing.T, b []byte) *pagefile.WAL {
	t.Helper()
	w, err := pagefile.ReadWAL(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("ReadWAL: %v", err)
	}
	return w
}

// walSummary is the comparable outcome of ReadWAL.
type walSummary struct {
	Frames       []pagefile.WALFrame
	Commits      []int
	Committed    int
	DatabaseSize uint32
	Stop         problem
}

func summarize(w *pagefile.WAL) walSummary {
	return walSummary{Frames: w.Frames, Commits: w.Commits, Committed: w.Committed, DatabaseSize: w.DatabaseSize, Stop: describe(w.Stop)}
}

// prefixSummary is what ReadWAL must report when only the first k frames
// of orig are valid and reading stopped with stop: the frames before k, and
// the transactions that committed among them.
func prefixSummary(orig *pagefile.WAL, k int, stop problem) walSummary {
	s := walSummary{Frames: orig.Frames[:k:k], Stop: stop}
	for _, c := range orig.Commits {
		if c < k {
			s.Commits = append(s.Commits, c)
			s.Committed = c + 1
			s.DatabaseSize = orig.Frames[c].Commit
		}
	}
	if len(s.Frames) == 0 {
		s.Frames = nil
	}
	return s
}

// rechecksum returns a copy of wal with the given magic and with the header
// checksum and the running checksum of the first nframes frames recomputed
// for that magic's byte order. Later frames are copied unchanged.
func rechecksum(wal []byte, magic uint32, nframes int) []byte {
	out := clone(wal)
	be := binary.BigEndian
	bigEndian := magic&1 == 1
	be.PutUint32(out[0:], magic)
	s0, s1 := pagefile.WALChecksum(0, 0, bigEndian, out[:24])
	be.PutUint32(out[24:], s0)
	be.PutUint32(out[28:], s1)
	ps := int(be.Uint32(out[8:]))
	frameSize := pagefile.WALFrameHeaderSize + ps
	for i := range nframes {
		f := out[pagefile.WALHeaderSize+i*frameSize:][:frameSize]
		s0, s1 = pagefile.WALChecksum(s0, s1, bigEndian, f[:8])
		s0, s1 = pagefile.WALChecksum(s0, s1, bigEndian, f[pagefile.WALFrameHeaderSize:])
		be.PutUint32(f[16:], s0)
		be.PutUint32(f[20:], s1)
	}
	return out
}

// committedImage finds, independently of WAL.ReadPage, the newest image of
// pgno among the committed frames, as SQLite's WAL index would.
func committedImage(w *pagefile.WAL, raw []byte, pgno uint32) []byte {
	if pgno > w.DatabaseSize {
		return nil
	}
	var img []byte
	for _, f := range w.Frames[:w.Committed] {
		if f.Pgno == pgno {
			img = raw[f.Offset+pagefile.WALFrameHeaderSize:][:w.PageSize()]
		}
	}
	return img
}

func overlayPages(t *testing.T, main []byte, w *pagefile.WAL) [][]byte {
	t.Helper()
	base, err := pagefile.NewBytesSource(main, w.PageSize())
	if err != nil {
		t.Fatal(err)
	}
	ov, err := pagefile.NewWALOverlay(base, w)
	if err != nil {
		t.Fatal(err)
	}
	return sourcePages(t, ov)
}

func TestReadWALFrames(t *testing.T) {
	d := loadWALDB(t)
	w := readWAL(t, d.WAL)
	be := binary.BigEndian

	wantHeader := pagefile.WALHeader{
		Magic: walMagicLE, Version: 3007000, PageSize: d.PageSize,
		CheckpointSeq: be.Uint32(d.WAL[12:]), Salt1: be.Uint32(d.WAL[16:]), Salt2: be.Uint32(d.WAL[20:]),
		Checksum1: be.Uint32(d.WAL[24:]), Checksum2: be.Uint32(d.WAL[28:]),
	}
	if diff := cmp.Diff(wantHeader, w.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if w.Header.BigEndianChecksum() || w.PageSize() != d.PageSize {
		t.Errorf("big-endian %v, page size %d", w.Header.BigEndianChecksum(), w.PageSize())
	}

	// Every frame in the file is valid: SQLite wrote them, and testdb
	// chained the uncommitted tail onto their checksums.
	frameSize := pagefile.WALFrameHeaderSize + d.PageSize
	if (len(d.WAL)-pagefile.WALHeaderSize)%frameSize != 0 {
		t.Fatalf("fixture WAL of %d bytes is not whole frames", len(d.WAL))
	}
	n := (len(d.WAL) - pagefile.WALHeaderSize) / frameSize
	var want walSummary
	for i := range n {
		off := int64(pagefile.WALHeaderSize + i*frameSize)
		f := pagefile.WALFrame{Index: i, Offset: off, Pgno: be.Uint32(d.WAL[off:]), Commit: be.Uint32(d.WAL[off+4:])}
		want.Frames = append(want.Frames, f)
		if f.Commit != 0 {
			want.Commits = append(want.Commits, i)
			want.Committed = i + 1
			want.DatabaseSize = f.Commit
		}
	}
	want.Stop = problem{Cause: "no error"}
	if diff := cmp.Diff(want, summarize(w)); diff != "" {
		t.Errorf("ReadWAL (-want +got):\n%s", diff)
	}
	if len(w.Commits) < 2 {
		t.Fatalf("fixture has %d commits; the tests below need at least 2", len(w.Commits))
	}
	// The uncommitted tail testdb appended: page 1 and t's root.
	tail := []pagefile.WALFrame{
		{Index: n - 2, Offset: int64(pagefile.WALHeaderSize + (n-2)*frameSize), Pgno: 1},
		{Index: n - 1, Offset: int64(pagefile.WALHeaderSize + (n-1)*frameSize), Pgno: d.TRoot},
	}
	if diff := cmp.Diff(tail, w.Frames[w.Committed:]); diff != "" {
		t.Errorf("uncommitted tail (-want +got):\n%s", diff)
	}

	// SQLite agrees on the database size and on how many frames count.
	var pageCount uint32
	var busy, log, ckpt int
	err := withSQLite(t.TempDir(), d.Main, d.WAL, func(db *sql.DB) error {
		if err := db.QueryRow(`PRAGMA page_count`).Scan(&pageCount); err != nil {
			return err
		}
		return db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &ckpt)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pageCount != w.DatabaseSize || log != w.Committed {
		t.Errorf("SQLite: %d pages, %d WAL frames; ReadWAL: DatabaseSize %d, Committed %d", pageCount, log, w.DatabaseSize, w.Committed)
	}

	// Only committed images are served, the newest of each page.
	buf := make([]byte, d.PageSize)
	for pgno := uint32(1); pgno <= w.DatabaseSize+3; pgno++ {
		want := committedImage(w, d.WAL, pgno)
		ok, err := w.ReadPage(pgno, buf)
		if err != nil {
			t.Fatalf("ReadPage(%d): %v", pgno, err)
		}
		if ok != (want != nil) || w.Has(pgno) != ok {
			t.Errorf("page %d: ReadPage %v, Has %v, committed image %v", pgno, ok, w.Has(pgno), want != nil)
			continue
		}
		if ok && !bytes.Equal(want, buf) {
			t.Errorf("page %d is not its newest committed image", pgno)
		}
	}
	// Page 1 and t's root are in the tail as zero-filled images, and in
	// committed frames too: the committed image must win.
	for _, pgno := range []uint32{1, d.TRoot} {
		ok, err := w.ReadPage(pgno, buf)
		if !ok || err != nil {
			t.Fatalf("page %d not served from the WAL: %v", pgno, err)
		}
		if bytes.Equal(buf, make([]byte, d.PageSize)) {
			t.Errorf("page %d is served from the zero-filled uncommitted tail", pgno)
		}
	}
	if pgno := w.Frames[0].Pgno; w.Has(pgno) {
		if _, err := w.ReadPage(pgno, make([]byte, d.PageSize-1)); err == nil {
			t.Errorf("WAL.ReadPage accepted a short buffer")
		}
	}
}

// TestWALTailOnlyPages appends uncommitted frames for pages that no
// committed frame holds: they are verified (listed in Frames) but never
// served, and the overlay serves the main file's page instead.
func TestWALTailOnlyPages(t *testing.T) {
	d := loadWALDB(t)
	orig := readWAL(t, d.WAL)
	var mainOnly uint32
	for pgno := uint32(2); pgno <= uint32(len(d.Main)/d.PageSize); pgno++ {
		if !orig.Has(pgno) {
			mainOnly = pgno
			break
		}
	}
	if mainOnly == 0 {
		t.Fatal("every page of the main file is in the WAL")
	}
	beyond := orig.DatabaseSize + 2
	path := filepath.Join(t.TempDir(), "x-wal")
	if err := os.WriteFile(path, d.WAL, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := testdb.AppendUncommittedFrames(path, []uint32{mainOnly, beyond}); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w := readWAL(t, wal)
	if len(w.Frames) != len(orig.Frames)+2 || w.Committed != orig.Committed || w.DatabaseSize != orig.DatabaseSize || w.Stop != nil {
		t.Fatalf("%d frames (%d committed, size %d, stop %v); want %d (%d, %d, nil)",
			len(w.Frames), w.Committed, w.DatabaseSize, w.Stop, len(orig.Frames)+2, orig.Committed, orig.DatabaseSize)
	}
	if diff := cmp.Diff([]uint32{mainOnly, beyond}, []uint32{w.Frames[len(w.Frames)-2].Pgno, w.Frames[len(w.Frames)-1].Pgno}); diff != "" {
		t.Errorf("appended frames (-want +got):\n%s", diff)
	}
	buf := make([]byte, d.PageSize)
	for _, pgno := range []uint32{mainOnly, beyond} {
		if ok, err := w.ReadPage(pgno, buf); ok || err != nil || w.Has(pgno) {
			t.Errorf("uncommitted page %d: ReadPage %v %v, Has %v", pgno, ok, err, w.Has(pgno))
		}
	}
	if diff := diffPages(overlayPages(t, d.Main, orig), overlayPages(t, d.Main, w)); diff != "" {
		t.Errorf("an uncommitted frame changed the overlay:\n%s", diff)
	}
}

func TestWALOverlayMatchesSQLite(t *testing.T) {
	d := loadWALDB(t)
	w := readWAL(t, d.WAL)
	mainPages := uint32(len(d.Main) / d.PageSize)
	if w.DatabaseSize <= mainPages {
		t.Fatalf("fixture WAL does not grow the database (%d pages, main file %d)", w.DatabaseSize, mainPages)
	}
	frameSize := pagefile.WALFrameHeaderSize + d.PageSize
	tests := []struct {
		name      string
		main, wal []byte
		wantCount uint32
	}{
		{"whole", d.Main, d.WAL, w.DatabaseSize},
		// Pages past the end of a short main file, and in no WAL frame,
		// read as zeros, for SQLite as for the overlay.
		{"short main file", d.Main[:100*d.PageSize], d.WAL, w.DatabaseSize},
		{"main file ends mid-page", d.Main[:100*d.PageSize+300], d.WAL, w.DatabaseSize},
		// A WAL with no commit leaves the main file as it is.
		{"no commit", d.Main, d.WAL[:pagefile.WALHeaderSize+w.Commits[0]*frameSize], mainPages},
		{"first commit only", d.Main, d.WAL[:pagefile.WALHeaderSize+(w.Commits[0]+1)*frameSize], w.Frames[w.Commits[0]].Commit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := readWAL(t, tt.wal)
			base, err := pagefile.NewBytesSource(tt.main, d.PageSize)
			if err != nil {
				t.Fatal(err)
			}
			ov, err := pagefile.NewWALOverlay(base, w)
			if err != nil {
				t.Fatal(err)
			}
			if ov.WAL() != w || ov.Base() != pagefile.Source(base) || ov.PageSize() != d.PageSize {
				t.Errorf("WAL() %p (want %p), page size %d", ov.WAL(), w, ov.PageSize())
			}
			if ov.PageCount() != tt.wantCount {
				t.Errorf("PageCount %d, want %d", ov.PageCount(), tt.wantCount)
			}
			got := sourcePages(t, ov)
			// The overlay's own rule, page by page.
			zero := make([]byte, d.PageSize)
			zeros := 0
			for i, img := range got {
				pgno := uint32(i + 1)
				want := committedImage(w, tt.wal, pgno)
				switch {
				case want != nil:
				case pgno <= base.PageCount():
					want = make([]byte, d.PageSize)
					if err := base.ReadPage(pgno, want); err != nil {
						t.Fatal(err)
					}
				default:
					want = zero
					zeros++
				}
				if !bytes.Equal(want, img) {
					t.Errorf("page %d differs from the WAL/main/zero rule at byte %d", pgno, firstDiff(want, img))
				}
			}
			if tt.name == "short main file" && zeros == 0 {
				t.Errorf("no page past the short main file is missing from the WAL; the case proves nothing")
			}
			// And SQLite's view, through sqlite_dbpage.
			if diff := diffPages(sqlitePages(t, tt.main, tt.wal), got); diff != "" {
				t.Errorf("overlay vs sqlite_dbpage:\n%s", diff)
			}
			for _, pgno := range []uint32{0, ov.PageCount() + 1} {
				want := problem{Pgno: pgno, Cause: "ErrOutOfRange"}
				if diff := cmp.Diff(want, describe(ov.ReadPage(pgno, make([]byte, d.PageSize)))); diff != "" {
					t.Errorf("ReadPage(%d) (-want +got):\n%s", pgno, diff)
				}
			}
			if err := ov.ReadPage(1, make([]byte, d.PageSize+1)); err == nil {
				t.Errorf("overlay ReadPage accepted a long buffer")
			}
		})
	}
}

func TestWALOverlayPageSizeMismatch(t *testing.T) {
	d := loadWALDB(t)
	w := readWAL(t, d.WAL)
	for _, ps := range []int{512, 2048, 65536} {
		base, err := pagefile.NewBytesSource(d.Main, ps)
		if err != nil {
			t.Fatal(err)
		}
		ov, err := pagefile.NewWALOverlay(base, w)
		want := problem{Pgno: 0, Offset: 8, Cause: "ErrBadValue"}
		if diff := cmp.Diff(want, describe(err)); diff != "" || ov != nil {
			t.Errorf("base page size %d: overlay %v (-want +got):\n%s", ps, ov, diff)
		}
	}
}

func TestWALChecksumKnownValues(t *testing.T) {
	words := []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0}
	wrap := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0}
	tests := []struct {
		name      string
		s0, s1    uint32
		bigEndian bool
		in        []byte
		w0, w1    uint32
	}{
		// s0 += x0 + s1; s1 += x1 + s0, per pair of 32-bit words:
		// LE words 1,2,3,4: (1, 3) then (1+3+3, 3+4+7) = (7, 14).
		{"little-endian", 0, 0, false, words, 7, 14},
		// The same bytes as BE words 0x01000000...: every value shifted.
		{"big-endian", 0, 0, true, words, 0x07000000, 0x0e000000},
		// Continuing from (1, 2) over BE words 5, 6: (1+5+2, 2+6+8).
		{"continued", 1, 2, true, []byte{0, 0, 0, 5, 0, 0, 0, 6}, 8, 16},
		// Sums wrap at 2^32: (ffffffff, fffffffe), then
		// (ffffffff+1+fffffffe, fffffffe+0+fffffffe) mod 2^32.
		{"wraps little-endian", 0, 0, false, wrap, 0xfffffffe, 0xfffffffc},
		// BE: (ffffffff, fffffffe), then
		// (ffffffff+01000000+fffffffe, fffffffe+0+00fffffd) mod 2^32.
		{"wraps big-endian", 0, 0, true, wrap, 0x00fffffd, 0x00fffffb},
		{"empty", 5, 9, false, nil, 5, 9},
	}
	for _, tt := range tests {
		s0, s1 := pagefile.WALChecksum(tt.s0, tt.s1, tt.bigEndian, tt.in)
		if s0 != tt.w0 || s1 != tt.w1 {
			t.Errorf("%s: (%#x, %#x), want (%#x, %#x)", tt.name, s0, s1, tt.w0, tt.w1)
		}
	}
	// Running: one call over a||b equals a call over b continuing from a.
	a, b := randomBytes(64, 1), randomBytes(1024, 2)
	for _, bigEndian := range []bool{false, true} {
		x0, x1 := pagefile.WALChecksum(0, 0, bigEndian, append(clone(a), b...))
		y0, y1 := pagefile.WALChecksum(0, 0, bigEndian, a)
		y0, y1 = pagefile.WALChecksum(y0, y1, bigEndian, b)
		if x0 != y0 || x1 != y1 {
			t.Errorf("big-endian %v: one pass (%#x, %#x), two passes (%#x, %#x)", bigEndian, x0, x1, y0, y1)
		}
	}
}

// TestWALChecksumMatchesSQLite recomputes, from the WAL SQLite wrote, the
// header checksum and the first frames' running checksums.
func TestWALChecksumMatchesSQLite(t *testing.T) {
	d := loadWALDB(t)
	be := binary.BigEndian
	s0, s1 := pagefile.WALChecksum(0, 0, false, d.WAL[:24])
	if s0 != be.Uint32(d.WAL[24:]) || s1 != be.Uint32(d.WAL[28:]) {
		t.Errorf("header checksum (%#x, %#x), SQLite wrote (%#x, %#x)", s0, s1, be.Uint32(d.WAL[24:]), be.Uint32(d.WAL[28:]))
	}
	frameSize := pagefile.WALFrameHeaderSize + d.PageSize
	for i := range 5 {
		f := d.WAL[pagefile.WALHeaderSize+i*frameSize:][:frameSize]
		s0, s1 = pagefile.WALChecksum(s0, s1, false, f[:8])
		s0, s1 = pagefile.WALChecksum(s0, s1, false, f[pagefile.WALFrameHeaderSize:])
		if s0 != be.Uint32(f[16:]) || s1 != be.Uint32(f[20:]) {
			t.Errorf("frame %d checksum (%#x, %#x), SQLite wrote (%#x, %#x)", i, s0, s1, be.Uint32(f[16:]), be.Uint32(f[20:]))
		}
	}
}

// TestWALBigEndian rewrites SQLite's little-endian WAL with big-endian
// checksums, as a big-endian machine would have written it: ReadWAL must
// find the same frames and serve the same pages, and SQLite must agree.
func TestWALBigEndian(t *testing.T) {
	d := loadWALDB(t)
	le := readWAL(t, d.WAL)
	beWAL := rechecksum(d.WAL, walMagicBE, len(le.Frames))
	if back := rechecksum(beWAL, walMagicLE, len(le.Frames)); !bytes.Equal(back, d.WAL) {
		t.Fatalf("re-checksumming back to little-endian does not reproduce SQLite's WAL (first difference at byte %d)", firstDiff(back, d.WAL))
	}
	be := readWAL(t, beWAL)
	if !be.Header.BigEndianChecksum() || be.Header.Magic != walMagicBE {
		t.Errorf("magic %#x, BigEndianChecksum %v", be.Header.Magic, be.Header.BigEndianChecksum())
	}
	if be.Header.Checksum1 == le.Header.Checksum1 && be.Header.Checksum2 == le.Header.Checksum2 {
		t.Fatalf("big-endian header checksum equals the little-endian one; the test proves nothing")
	}
	if diff := cmp.Diff(le.Header, be.Header, cmpopts.IgnoreFields(pagefile.WALHeader{}, "Magic", "Checksum1", "Checksum2")); diff != "" {
		t.Errorf("header (-little +big):\n%s", diff)
	}
	if diff := cmp.Diff(summarize(le), summarize(be)); diff != "" {
		t.Errorf("ReadWAL (-little +big):\n%s", diff)
	}
	lePages := overlayPages(t, d.Main, le)
	bePages := overlayPages(t, d.Main, be)
	if diff := diffPages(lePages, bePages); diff != "" {
		t.Errorf("page images (little vs big):\n%s", diff)
	}
	if diff := diffPages(sqlitePages(t, d.Main, beWAL), bePages); diff != "" {
		t.Errorf("big-endian overlay vs sqlite_dbpage:\n%s", diff)
	}
	// A frame damaged in the big-endian WAL is stepped over, as in the
	// little-endian one: the next frame's checksum continues from its
	// stored one in either byte order. Damage to that stored checksum
	// stops the log there.
	k := le.Commits[0] + 1
	dam := clone(beWAL)
	dam[le.Frames[k].Offset+pagefile.WALFrameHeaderSize+9] ^= 0x10
	if w := readWAL(t, dam); len(w.Skipped) != 1 || w.Skipped[0].Index != k || len(w.Frames) != len(le.Frames)-1 || w.DatabaseSize != le.DatabaseSize {
		t.Errorf("damaged big-endian frame %d: skipped %v, %d of %d frames", k, w.Skipped, len(w.Frames), len(le.Frames))
	}
	dam = clone(beWAL)
	dam[le.Frames[k].Offset+17] ^= 0x10
	want := prefixSummary(le, k, problem{Offset: le.Frames[k].Offset + 16, Cause: "ErrBadValue"})
	if diff := cmp.Diff(want, summarize(readWAL(t, dam))); diff != "" {
		t.Errorf("big-endian frame %d with a damaged checksum (-want +got):\n%s", k, diff)
	}
}

func TestWALSaltMismatch(t *testing.T) {
	d := loadWALDB(t)
	orig := readWAL(t, d.WAL)
	intact := sqlitePages(t, d.Main, d.WAL)
	c0, c1 := orig.Commits[0], orig.Commits[len(orig.Commits)-1]
	for _, tt := range []struct {
		name string
		k    int
		salt int64 // 8: salt-1, 12: salt-2
	}{
		{"first frame", 0, 8},
		{"mid first transaction", c0 / 2, 12},
		{"first commit frame", c0, 8},
		{"after first commit", c0 + 1, 8},
		{"last commit frame", c1, 12},
		{"first uncommitted frame", orig.Committed, 8},
		{"last frame", len(orig.Frames) - 1, 12},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			off := orig.Frames[tt.k].Offset
			// A damaged salt: the frame's checksum, which does not
			// cover the salts, still continues the log's chain, so the
			// frame is this log's and is used. SQLite would stop here.
			wal := clone(d.WAL)
			wal[off+tt.salt+3] ^= 0x01
			w := readWAL(t, wal)
			if diff := cmp.Diff(summarize(orig), summarize(w)); diff != "" || w.SaltsRepaired != 1 {
				t.Errorf("damaged salt in frame %d, %d repaired (-intact +got):\n%s", tt.k, w.SaltsRepaired, diff)
			}
			if diff := diffPages(intact, overlayPages(t, d.Main, w)); diff != "" {
				t.Errorf("overlay vs the intact log:\n%s", diff)
			}
			// A frame of an earlier generation has other salts and a
			// checksum of another chain: the log ends there, as SQLite
			// ends it, and both see the same database.
			wal = clone(d.WAL)
			wal[off+tt.salt+3] ^= 0x01
			wal[off+16] ^= 0x5a
			w = readWAL(t, wal)
			want := prefixSummary(orig, tt.k, problem{Offset: off + 8, Cause: "ErrBadValue"})
			if diff := cmp.Diff(want, summarize(w)); diff != "" {
				t.Errorf("earlier generation's frame %d (-want +got):\n%s", tt.k, diff)
			}
			if diff := diffPages(sqlitePages(t, d.Main, wal), overlayPages(t, d.Main, w)); diff != "" {
				t.Errorf("overlay vs sqlite_dbpage:\n%s", diff)
			}
		})
	}
}

func TestWALFrameDamage(t *testing.T) {
	d := loadWALDB(t)
	orig := readWAL(t, d.WAL)
	intact := sqlitePages(t, d.Main, d.WAL)
	c0 := orig.Commits[0]
	// Damage to a frame's stored checksum leaves nothing to resume from:
	// reading stops there, as SQLite's does.
	for _, tt := range []struct {
		name string
		k    int
		at   int64 // byte of the frame to flip, from the frame header
	}{
		{"checksum-1", c0 + 5, 16},
		{"checksum-2", c0 + 6, 23},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wal := clone(d.WAL)
			off := orig.Frames[tt.k].Offset
			wal[off+tt.at] ^= 0x04
			w := readWAL(t, wal)
			want := prefixSummary(orig, tt.k, problem{Offset: off + 16, Cause: "ErrBadValue"})
			if diff := cmp.Diff(want, summarize(w)); diff != "" {
				t.Errorf("damage in frame %d (-want +got):\n%s", tt.k, diff)
			}
			if len(w.Skipped) != 0 {
				t.Errorf("skipped %v", w.Skipped)
			}
		})
	}
	// Damage elsewhere in a frame spares its stored checksum, from which
	// the next frame's verifies: the frame is skipped, every later frame
	// is read, and every page is served as the intact log serves it but
	// the damaged frame's own page when no later commit rewrote it, which
	// is served as it was before and listed as stale.
	for _, tt := range []struct {
		name string
		k    int
		at   int64
	}{
		{"page data of first frame", 0, 24 + 500},
		{"page data before first commit", c0 - 1, 24 + 1},
		{"page data of first commit frame", c0, 24 + 1023},
		{"page data after first commit", c0 + 1, 24 + 200},
		{"commit size", c0 + 4, 7},
		{"page number", c0 + 3, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wal := clone(d.WAL)
			fr := orig.Frames[tt.k]
			wal[fr.Offset+tt.at] ^= 0x04
			w := readWAL(t, wal)
			if w.Stop != nil || len(w.Skipped) != 1 || w.Skipped[0].Index != tt.k || len(w.Frames) != len(orig.Frames)-1 {
				t.Fatalf("stop %v, skipped %v, %d of %d frames", w.Stop, w.Skipped, len(w.Frames), len(orig.Frames))
			}
			if w.DatabaseSize != orig.DatabaseSize {
				t.Errorf("database size %d, want %d", w.DatabaseSize, orig.DatabaseSize)
			}
			if tt.name == "page number" {
				return // which page the frame held is unknown: its header is damaged
			}
			if sk := w.Skipped[0]; sk.Offset != fr.Offset || sk.Pgno != fr.Pgno {
				t.Errorf("skipped %+v, want %+v", sk, fr)
			}
			later := false
			for _, f := range orig.Frames[tt.k+1 : orig.Committed] {
				later = later || f.Pgno == fr.Pgno
			}
			wantStale := []uint32{fr.Pgno}
			if later {
				wantStale = nil
			}
			if diff := cmp.Diff(wantStale, w.StalePages); diff != "" {
				t.Errorf("stale pages (-want +got):\n%s", diff)
			}
			got := overlayPages(t, d.Main, w)
			for pgno := range intact {
				if !slices.Contains(w.StalePages, uint32(pgno+1)) && !bytes.Equal(intact[pgno], got[pgno]) {
					t.Errorf("page %d differs from the intact log's", pgno+1)
				}
			}
			for _, p := range w.StalePages {
				if bytes.Equal(got[p-1], wal[fr.Offset+pagefile.WALFrameHeaderSize:][:d.PageSize]) {
					t.Errorf("stale page %d served from the damaged frame", p)
				}
			}
		})
	}
}

// TestWALFramePageZero gives a frame page number 0 with valid salts and
// checksums: it is not a page, so reading stops there.
func TestWALFramePageZero(t *testing.T) {
	d := loadWALDB(t)
	orig := readWAL(t, d.WAL)
	k := orig.Commits[0] + 2
	wal := clone(d.WAL)
	binary.BigEndian.PutUint32(wal[orig.Frames[k].Offset:], 0)
	wal = rechecksum(wal, walMagicLE, len(orig.Frames))
	w := readWAL(t, wal)
	want := prefixSummary(orig, k, problem{Offset: orig.Frames[k].Offset, Cause: "ErrBadValue"})
	if diff := cmp.Diff(want, summarize(w)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := diffPages(sqlitePages(t, d.Main, wal), overlayPages(t, d.Main, w)); diff != "" {
		t.Errorf("overlay vs sqlite_dbpage:\n%s", diff)
	}
}

func TestReadWALHeaderErrors(t *testing.T) {
	d := loadWALDB(t)
	hdr := d.WAL[:pagefile.WALHeaderSize+3*(pagefile.WALFrameHeaderSize+d.PageSize)]
	withPageSize := func(ps uint32) []byte {
		b := clone(hdr)
		binary.BigEndian.PutUint32(b[8:], ps)
		return rechecksum(b, walMagicLE, 0)
	}
	flip := func(at int) []byte {
		b := clone(hdr)
		b[at] ^= 0x20
		return b
	}
	withVersion := func(v uint32) []byte {
		b := clone(hdr)
		binary.BigEndian.PutUint32(b[4:], v)
		return rechecksum(b, walMagicLE, 0)
	}
	for _, tt := range []struct {
		name string
		wal  []byte
		want problem
	}{
		{"empty", nil, problem{Offset: 0, Cause: "ErrTruncated"}},
		{"one byte", hdr[:1], problem{Offset: 0, Cause: "ErrTruncated"}},
		{"31 bytes", hdr[:31], problem{Offset: 0, Cause: "ErrTruncated"}},
		{"bad magic", rechecksum(hdr, 0x377f0684, 0), problem{Offset: 0, Cause: "ErrBadValue"}},
		{"zero magic", rechecksum(hdr, 0, 0), problem{Offset: 0, Cause: "ErrBadValue"}},
		{"database magic", append([]byte(pagefile.Magic), hdr[16:]...), problem{Offset: 0, Cause: "ErrBadValue"}},
		{"version 3007001 with a valid checksum", withVersion(3007001), problem{Offset: 4, Cause: "ErrBadValue"}},
		{"version 0 with a valid checksum", withVersion(0), problem{Offset: 4, Cause: "ErrBadValue"}},
		{"page size 1000", withPageSize(1000), problem{Offset: 8, Cause: "ErrBadValue"}},
		{"page size 0", withPageSize(0), problem{Offset: 8, Cause: "ErrBadValue"}},
		{"page size 256", withPageSize(256), problem{Offset: 8, Cause: "ErrBadValue"}},
		{"page size 131072", withPageSize(131072), problem{Offset: 8, Cause: "ErrBadValue"}},
		{"checksum-1 damaged", flip(24), problem{Offset: 24, Cause: "ErrBadValue"}},
		{"checksum-2 damaged", flip(31), problem{Offset: 24, Cause: "ErrBadValue"}},
		{"salt changed", flip(17), problem{Offset: 24, Cause: "ErrBadValue"}},
		{"checkpoint sequence changed", flip(15), problem{Offset: 24, Cause: "ErrBadValue"}},
		{"big-endian magic, little-endian checksum", func() []byte {
			b := clone(hdr)
			binary.BigEndian.PutUint32(b, walMagicBE)
			return b
		}(), problem{Offset: 24, Cause: "ErrBadValue"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, err := pagefile.ReadWAL(bytes.NewReader(tt.wal), int64(len(tt.wal)))
			if diff := cmp.Diff(tt.want, describe(err)); diff != "" || w != nil {
				t.Errorf("WAL %v (-want +got):\n%s", w, diff)
			}
		})
	}
	t.Run("header only", func(t *testing.T) {
		w := readWAL(t, hdr[:pagefile.WALHeaderSize])
		want := walSummary{Stop: problem{Cause: "no error"}}
		if diff := cmp.Diff(want, summarize(w)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("page size 1 means 65536", func(t *testing.T) {
		w := readWAL(t, withPageSize(1))
		if w.PageSize() != 65536 {
			t.Errorf("page size %d, want 65536", w.PageSize())
		}
	})
}

func TestReadWALTruncatedFrame(t *testing.T) {
	d := loadWALDB(t)
	orig := readWAL(t, d.WAL)
	frameSize := int64(pagefile.WALFrameHeaderSize + d.PageSize)
	c0 := orig.Commits[0]
	for _, k := range []int{0, c0, c0 + 1, len(orig.Frames) - 1} {
		off := orig.Frames[k].Offset
		for _, extra := range []int64{0, 1, 8, 24, 25, 500, frameSize - 1} {
			t.Run(fmt.Sprintf("frame%d+%d", k, extra), func(t *testing.T) {
				wal := d.WAL[:off+extra]
				w := readWAL(t, wal)
				stop := problem{Offset: off, Cause: "ErrTruncated"}
				if extra == 0 {
					stop = problem{Cause: "no error"} // ends on a frame boundary
				}
				if diff := cmp.Diff(prefixSummary(orig, k, stop), summarize(w)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
	t.Run("sqlite agrees", func(t *testing.T) {
		wal := d.WAL[:orig.Frames[c0+1].Offset+700]
		w := readWAL(t, wal)
		if diff := diffPages(sqlitePages(t, d.Main, wal), overlayPages(t, d.Main, w)); diff != "" {
			t.Errorf("overlay vs sqlite_dbpage:\n%s", diff)
		}
	})
}

func TestReadWALIOError(t *testing.T) {
	d := loadWALDB(t)
	orig := readWAL(t, d.WAL)
	errDisk := errors.New("disk on fire")
	k := orig.Commits[0] + 1
	r := failingReader{data: d.WAL, n: int(orig.Frames[k].Offset) + 10, err: errDisk}
	w, err := pagefile.ReadWAL(r, int64(len(d.WAL)))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(w.Stop, errDisk) {
		t.Errorf("Stop %v, want the reader's error", w.Stop)
	}
	got := summarize(w)
	got.Stop = problem{}
	if diff := cmp.Diff(prefixSummary(orig, k, problem{}), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// An unreadable header is an error, not corruption.
	_, err = pagefile.ReadWAL(failingReader{data: d.WAL, n: 10, err: errDisk}, int64(len(d.WAL)))
	if !errors.Is(err, errDisk) {
		t.Errorf("header read error %v, want the reader's error", err)
	}
}

func TestWALFrameOffsets(t *testing.T) {
	d := loadWALDB(t)
	w := readWAL(t, d.WAL)
	frameSize := int64(pagefile.WALFrameHeaderSize + d.PageSize)
	for i, f := range w.Frames {
		if f.Index != i || f.Offset != pagefile.WALHeaderSize+int64(i)*frameSize {
			t.Errorf("frame %d: index %d, offset %d", i, f.Index, f.Offset)
		}
	}
	if !slices.IsSorted(w.Commits) {
		t.Errorf("commits not in order: %v", w.Commits)
	}
}

// TestWALShrinkingCommit reads a WAL whose last commit shrinks the database
// (a VACUUM after deleting most rows): frames of pages past the new end,
// committed earlier, are no longer part of the database.
func TestWALShrinkingCommit(t *testing.T) {
	dir := t.TempDir()
	var main, wal []byte
	err := withSQLite(dir, nil, nil, func(db *sql.DB) error {
		for _, q := range []string{
			`PRAGMA page_size = 512`,
			`PRAGMA auto_vacuum = none`,
			`PRAGMA journal_mode = WAL`,
			`PRAGMA wal_autocheckpoint = 0`,
			`CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
			 INSERT INTO t SELECT i, randomblob(400) FROM n`,
			`DELETE FROM t WHERE a > 10`,
			`VACUUM`,
		} {
			if _, err := db.Exec(q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		// Copy while the connection is open, before SQLite checkpoints on
		// close.
		var err error
		if main, err = os.ReadFile(filepath.Join(dir, "copy.db")); err != nil {
			return err
		}
		wal, err = os.ReadFile(filepath.Join(dir, "copy.db-wal"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	w := readWAL(t, wal)
	if w.Stop != nil {
		t.Fatalf("Stop: %v", w.Stop)
	}
	var maxPgno uint32
	for _, f := range w.Frames[:w.Committed] {
		maxPgno = max(maxPgno, f.Pgno)
	}
	if maxPgno <= w.DatabaseSize {
		t.Fatalf("the last commit (%d pages) does not shrink the database (frames up to page %d)", w.DatabaseSize, maxPgno)
	}
	buf := make([]byte, w.PageSize())
	for pgno := w.DatabaseSize + 1; pgno <= maxPgno; pgno++ {
		if ok, err := w.ReadPage(pgno, buf); ok || err != nil || w.Has(pgno) {
			t.Errorf("page %d past the committed size %d: ReadPage %v %v, Has %v", pgno, w.DatabaseSize, ok, err, w.Has(pgno))
		}
	}
	got := overlayPages(t, main, w)
	if len(got) != int(w.DatabaseSize) {
		t.Errorf("overlay serves %d pages, want %d", len(got), w.DatabaseSize)
	}
	if diff := diffPages(sqlitePages(t, main, wal), got); diff != "" {
		t.Errorf("overlay vs sqlite_dbpage:\n%s", diff)
	}
}
