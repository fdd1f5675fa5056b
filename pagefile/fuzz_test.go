package pagefile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
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
		ov, err := pagefile.NewWALOverlay(fuzzBytesSource(t, db, w.PageSize()), w)
		if err != nil {
			t.Fatal(err)
		}
		readFirstPages(t, ov)
		f, err := pagefile.New(bytes.NewReader(db), int64(len(db)), bytes.NewReader(wal), int64(len(wal)), pagefile.Options{})
		if err == nil {
			_ = f.Freelist()
		}
	})
}

// fuzzBytesSource pages the fuzzer's main-file bytes.
func fuzzBytesSource(t *testing.T, db []byte, pageSize int) *pagefile.ReaderSource {
	base, err := pagefile.NewBytesSource(db, pageSize)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// readFirstPages reads the first pages of s, as any reader of the
// database would: none may fail.
func readFirstPages(t *testing.T, s pagefile.Source) {
	buf := make([]byte, s.PageSize())
	for pgno := uint32(1); pgno <= min(s.PageCount(), 64); pgno++ {
		if err := s.ReadPage(pgno, buf); err != nil {
			t.Fatalf("page %d of %d: %v", pgno, s.PageCount(), err)
		}
	}
}

// journalFuzzOptions turns the fuzzer's hint byte into ReadJournal's
// options: bits 0-3 pick the database's page size (0, or 9 and up: not
// known; k: 256 << k), bit 7 says the named super-journal is missing.
func journalFuzzOptions(hint byte) pagefile.JournalOptions {
	opts := pagefile.JournalOptions{SuperJournalExists: func(string) bool { return hint&0x80 == 0 }}
	if k := hint & 0x0f; k >= 1 && k <= 8 {
		opts.PageSize = 256 << k
	}
	return opts
}

// FuzzReadJournal reads arbitrary bytes as a rollback journal, overlays it
// on arbitrary bytes as the main file, and reads pages through the overlay
// and through New. Seeds live in testdata/fuzz/FuzzReadJournal (see
// TestUpdateJournalSeeds).
func FuzzReadJournal(f *testing.F) {
	f.Fuzz(func(t *testing.T, journal []byte, db []byte, hint byte) {
		opts := journalFuzzOptions(hint)
		j, err := pagefile.ReadJournal(bytes.NewReader(journal), int64(len(journal)), opts)
		if err != nil {
			var ce *pagefile.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *CorruptError: %v", err, err)
			}
			return
		}
		if !j.Hot {
			if j.NotHot == "" || len(j.Records) != 0 || j.Has(1) {
				t.Fatalf("not hot without a reason (%q), or with %d records", j.NotHot, len(j.Records))
			}
			return
		}
		if limit := (len(journal) - j.SectorSize()) / (j.PageSize() + 8); len(j.Records) > limit {
			t.Fatalf("%d records in a journal that holds at most %d", len(j.Records), limit)
		}
		if opts.PageSize != 0 && j.PageSize() != opts.PageSize {
			t.Fatalf("journal read with page size %d, the database's is %d", j.PageSize(), opts.PageSize)
		}
		for _, r := range j.Records {
			if !j.Has(r.Pgno) || r.Pgno > j.OriginalSize() || r.Pgno == 0 {
				t.Fatalf("record of page %d: Has %v, original size %d", r.Pgno, j.Has(r.Pgno), j.OriginalSize())
			}
		}
		base := fuzzBytesSource(t, db, j.PageSize())
		ov, err := pagefile.NewJournalOverlay(base, j)
		if err != nil {
			t.Fatal(err)
		}
		if ov.PageCount() > j.OriginalSize() || (ov.PageCount() < j.OriginalSize() && ov.PageCount() < base.PageCount()) {
			t.Fatalf("overlay of %d pages; original size %d, main file %d", ov.PageCount(), j.OriginalSize(), base.PageCount())
		}
		readFirstPages(t, ov)
		in := &pagefile.JournalInput{R: bytes.NewReader(journal), Size: int64(len(journal))}
		if f, err := pagefile.New(bytes.NewReader(db), int64(len(db)), nil, 0, pagefile.Options{Journal: in}); err == nil {
			_ = f.Freelist()
		}
	})
}

// FuzzSalvageWAL reads arbitrary bytes as a WAL whose header is lost. A
// header it rebuilds must be one ReadWAL accepts in its place, finding the
// same frames. Seeds live in testdata/fuzz/FuzzSalvageWAL (see
// TestUpdateJournalSeeds).
func FuzzSalvageWAL(f *testing.F) {
	f.Fuzz(func(t *testing.T, wal []byte, db []byte, hint byte) {
		pageSize := journalFuzzOptions(hint).PageSize
		w, err := pagefile.SalvageWAL(bytes.NewReader(wal), int64(len(wal)), pageSize)
		if err != nil {
			var ce *pagefile.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *CorruptError: %v", err, err)
			}
			return
		}
		if w.Salvaged == "" || w.LostFrames > 1 || (pageSize != 0 && w.PageSize() != pageSize) {
			t.Fatalf("Salvaged %q, LostFrames %d, page size %d (hint %d)", w.Salvaged, w.LostFrames, w.PageSize(), pageSize)
		}
		if len(w.Frames) > 0 && w.Frames[0].Index != w.LostFrames {
			t.Fatalf("first frame used is %d, %d lost", w.Frames[0].Index, w.LostFrames)
		}
		if w.LostFrames == 0 {
			h := w.Header
			rebuilt := clone(wal)
			for i, v := range []uint32{h.Magic, h.Version, uint32(h.PageSize), h.CheckpointSeq, h.Salt1, h.Salt2, h.Checksum1, h.Checksum2} {
				binary.BigEndian.PutUint32(rebuilt[4*i:], v)
			}
			again, err := pagefile.ReadWAL(bytes.NewReader(rebuilt), int64(len(rebuilt)))
			if err != nil {
				t.Fatalf("ReadWAL refuses the rebuilt header: %v", err)
			}
			if !reflect.DeepEqual(again.Frames, w.Frames) || again.Committed != w.Committed || again.DatabaseSize != w.DatabaseSize {
				t.Fatalf("ReadWAL with the rebuilt header finds %d frames (%d committed), salvage %d (%d)",
					len(again.Frames), again.Committed, len(w.Frames), w.Committed)
			}
		}
		ov, err := pagefile.NewWALOverlay(fuzzBytesSource(t, db, w.PageSize()), w)
		if err != nil {
			t.Fatal(err)
		}
		readFirstPages(t, ov)
	})
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpora of FuzzReadJournal and FuzzSalvageWAL from freshly built databases")

// TestUpdateJournalSeeds regenerates the seeds of FuzzReadJournal and
// FuzzSalvageWAL when run with -update-seeds; otherwise it is skipped. The
// seeds are committed. They are small (512-byte pages, a few dozen rows)
// so fuzzing starts from real structure without wasting time.
func TestUpdateJournalSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite testdata/fuzz/FuzzReadJournal and FuzzSalvageWAL")
	}
	const ps = 512
	dir := filepath.Join("testdata", "fuzz", "FuzzReadJournal")
	seed := func(dir, name string, args ...any) {
		if err := testdb.WriteSeed(dir, name, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, synchronous := range []string{"FULL", "OFF"} {
		hj, err := testdb.BuildHotJournal(filepath.Join(t.TempDir(), "db.sqlite"), synchronous, ps, 60)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.ToLower(synchronous)
		j := readJournal(t, hj.Journal, pagefile.JournalOptions{PageSize: ps})
		if len(j.Records) < 2 {
			t.Fatalf("%s: %d records; the seeds need a few", synchronous, len(j.Records))
		}
		// The main file matters only to the overlay: its first pages do.
		main := hj.Main[:4*ps]
		seed(dir, name, hj.Journal, hj.Main, byte(1))
		badRecord := clone(hj.Journal)
		badRecord[j.Records[1].Offset+4+ps-200] ^= 0x01
		seed(dir, name+"-bad-record", badRecord, main, byte(1))
		if synchronous == "FULL" {
			continue
		}
		zeroed := clone(hj.Journal)
		clear(zeroed[:pagefile.JournalHeaderSize])
		seed(dir, name+"-zeroed", zeroed, main, byte(1))
		withSuper := append(clone(hj.Journal), superJournalTrailer("/data/app.db-mj01234567", ps)...)
		seed(dir, name+"-super-journal", withSuper, main, byte(0x81))
		badPageSize := clone(hj.Journal)
		binary.BigEndian.PutUint32(badPageSize[24:], 1000)
		seed(dir, name+"-bad-page-size", badPageSize, main, byte(0))
	}
	dir = filepath.Join("testdata", "fuzz", "FuzzSalvageWAL")
	path, err := testdb.Build(context.Background(), t.TempDir(), testdb.Config{PageSize: ps, Encoding: 1, AutoVacuum: "none", Rows: 12, WAL: true, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	w := readWAL(t, wal)
	for _, order := range []struct {
		name  string
		magic uint32
	}{{"le", walMagicLE}, {"be", walMagicBE}} {
		b := rechecksum(wal, order.magic, len(w.Frames))
		clear(b[:pagefile.WALHeaderSize])
		seed(dir, order.name+"-zeroed-header", b, db, byte(0))
		b = clone(b)
		b[w.Frames[0].Offset+pagefile.WALFrameHeaderSize+100] ^= 0x01
		seed(dir, order.name+"-frame0-damaged", b, db[:4*ps], byte(1))
	}
}
