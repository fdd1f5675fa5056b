package pagefile_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/pagefile"
)

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32() | 1) // never zero, so zero-fill is visible
	}
	return b
}

func TestReaderSourcePartialTail(t *testing.T) {
	const ps = 512
	tests := []struct {
		size      int
		wantCount uint32
		wantTail  int
	}{
		{0, 0, 0},
		{1, 1, 1},
		{511, 1, 511},
		{512, 1, 0},
		{1000, 2, 488},
		{1280, 3, 256},
		{1536, 3, 0},
		{1537, 4, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			data := randomBytes(tt.size, uint64(tt.size))
			r := bytes.NewReader(data)
			s, err := pagefile.NewReaderSource(r, int64(len(data)), ps)
			if err != nil {
				t.Fatal(err)
			}
			if s.ReaderAt() != io.ReaderAt(r) || s.Size() != int64(len(data)) {
				t.Errorf("ReaderAt %p (want %p), Size %d (want %d)", s.ReaderAt(), r, s.Size(), len(data))
			}
			if s.PageSize() != ps || s.PageCount() != tt.wantCount || s.PartialTail != tt.wantTail {
				t.Fatalf("page size %d, %d pages, tail %d; want %d, %d, %d",
					s.PageSize(), s.PageCount(), s.PartialTail, ps, tt.wantCount, tt.wantTail)
			}
			// Expected pages: the data cut into pages, the last padded with zeros.
			padded := make([]byte, int(tt.wantCount)*ps)
			copy(padded, data)
			for pgno := uint32(1); pgno <= s.PageCount(); pgno++ {
				buf := bytes.Repeat([]byte{0xee}, ps) // stale content must not survive
				if err := s.ReadPage(pgno, buf); err != nil {
					t.Fatalf("ReadPage(%d): %v", pgno, err)
				}
				want := padded[int(pgno-1)*ps : int(pgno)*ps]
				if !bytes.Equal(want, buf) {
					t.Errorf("page %d differs at byte %d", pgno, firstDiff(want, buf))
				}
			}
		})
	}
}

func TestReadPageOutOfRange(t *testing.T) {
	data := randomBytes(3*1024, 3)
	rs, err := pagefile.NewBytesSource(data, 1024)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	sf := &pagefile.SourceFunc{Size: 1024, Count: 3, Read: func(uint32, []byte) error { calls++; return nil }}
	empty, err := pagefile.NewBytesSource(nil, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		src  pagefile.Source
	}{{"ReaderSource", rs}, {"SourceFunc", sf}, {"empty", empty}} {
		for _, pgno := range []uint32{0, s.src.PageCount() + 1, s.src.PageCount() + 1000, math.MaxUint32} {
			buf := make([]byte, 1024)
			err := s.src.ReadPage(pgno, buf)
			want := problem{Pgno: pgno, Offset: 0, Cause: "ErrOutOfRange"}
			if diff := cmp.Diff(want, describe(err)); diff != "" {
				t.Errorf("%s ReadPage(%d) (-want +got):\n%s", s.name, pgno, diff)
			}
		}
	}
	if calls != 0 {
		t.Errorf("SourceFunc.Read called %d times for out-of-range pages", calls)
	}
}

func TestReadPageBufferLength(t *testing.T) {
	data := randomBytes(2*512, 4)
	rs, err := pagefile.NewBytesSource(data, 512)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	sf := &pagefile.SourceFunc{Size: 512, Count: 2, Read: func(uint32, []byte) error { calls++; return nil }}
	for _, s := range []pagefile.Source{rs, sf} {
		for _, n := range []int{0, 1, 511, 513, 1024} {
			buf := make([]byte, n)
			if err := s.ReadPage(1, buf); err == nil {
				t.Errorf("%T: ReadPage with a %d-byte buffer succeeded", s, n)
			}
		}
	}
	if calls != 0 {
		t.Errorf("SourceFunc.Read called %d times with a wrong buffer", calls)
	}
}

func TestNewReaderSourceRejects(t *testing.T) {
	for _, ps := range []int{-1, 0, 1, 256, 511, 513, 1000, 3000, 65535, 131072} {
		if s, err := pagefile.NewReaderSource(bytes.NewReader(nil), 0, ps); err == nil {
			t.Errorf("page size %d accepted: %+v", ps, s)
		}
		if s, err := pagefile.NewBytesSource(make([]byte, 4096), ps); err == nil {
			t.Errorf("NewBytesSource: page size %d accepted: %+v", ps, s)
		}
	}
	for ps := 512; ps <= 65536; ps *= 2 {
		s, err := pagefile.NewReaderSource(bytes.NewReader(nil), int64(3*ps), ps)
		if err != nil || s.PageCount() != 3 {
			t.Errorf("page size %d: %v, %v", ps, s, err)
		}
	}
	if s, err := pagefile.NewReaderSource(bytes.NewReader(nil), -1, 512); err == nil {
		t.Errorf("negative size accepted: %+v", s)
	}
}

// sizedReaderAt claims a size it never serves; only PageCount is looked at.
type sizedReaderAt struct{}

func (sizedReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("not readable") }

func TestReaderSourcePageCountCap(t *testing.T) {
	// SQLite never numbers a page above 2^32-2, whatever the file size.
	const maxPages = 4294967294
	for _, size := range []int64{maxPages * 512, (maxPages + 1) * 512, (maxPages+5)*512 + 7, math.MaxInt64} {
		s, err := pagefile.NewReaderSource(sizedReaderAt{}, size, 512)
		if err != nil {
			t.Fatal(err)
		}
		if s.PageCount() != maxPages {
			t.Errorf("size %d: %d pages, want %d", size, s.PageCount(), uint32(maxPages))
		}
	}
}

func TestReaderSourceIOError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	data := randomBytes(4*512, 5)
	// The reader serves the first 1.5 pages, then fails.
	s, err := pagefile.NewReaderSource(failingReader{data: data, n: 768, err: errDisk}, int64(len(data)), 512)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	if err := s.ReadPage(1, buf); err != nil || !bytes.Equal(buf, data[:512]) {
		t.Errorf("page 1: %v", err)
	}
	for _, pgno := range []uint32{2, 3} {
		err := s.ReadPage(pgno, buf)
		if !errors.Is(err, errDisk) {
			t.Errorf("page %d: error %v, want the reader's error", pgno, err)
		}
	}
}

func TestNewBytesSourceMatchesReaderSource(t *testing.T) {
	data := randomBytes(5*1024+100, 6)
	bs, err := pagefile.NewBytesSource(data, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := pagefile.NewReaderSource(bytes.NewReader(data), int64(len(data)), 1024)
	if err != nil {
		t.Fatal(err)
	}
	if bs.PageCount() != 6 || bs.PartialTail != 100 {
		t.Errorf("%d pages, tail %d; want 6, 100", bs.PageCount(), bs.PartialTail)
	}
	if diff := diffPages(sourcePages(t, rs), sourcePages(t, bs)); diff != "" {
		t.Error(diff)
	}
}

// TestReaderSourceMatchesSQLite reads a real database file through a
// ReaderSource and compares every page with what SQLite serves from
// sqlite_dbpage for the same file.
func TestReaderSourceMatchesSQLite(t *testing.T) {
	d := loadWALDB(t)
	want := sqlitePages(t, d.Main, nil)
	s, err := pagefile.NewBytesSource(d.Main, d.PageSize)
	if err != nil {
		t.Fatal(err)
	}
	if s.PartialTail != 0 {
		t.Errorf("partial tail %d in a whole-page file", s.PartialTail)
	}
	if diff := diffPages(want, sourcePages(t, s)); diff != "" {
		t.Errorf("ReaderSource vs sqlite_dbpage:\n%s", diff)
	}
}

func TestSourceFuncDelegates(t *testing.T) {
	data := randomBytes(4*512, 7)
	errPage3 := errors.New("page 3 unavailable")
	var got []uint32
	sf := &pagefile.SourceFunc{
		Size:  512,
		Count: 4,
		Read: func(pgno uint32, dst []byte) error {
			got = append(got, pgno)
			if pgno == 3 {
				return errPage3
			}
			copy(dst, data[(pgno-1)*512:])
			return nil
		},
	}
	if sf.PageSize() != 512 || sf.PageCount() != 4 {
		t.Fatalf("page size %d, count %d", sf.PageSize(), sf.PageCount())
	}
	buf := make([]byte, 512)
	for _, pgno := range []uint32{4, 1, 2} {
		if err := sf.ReadPage(pgno, buf); err != nil {
			t.Fatalf("ReadPage(%d): %v", pgno, err)
		}
		if !bytes.Equal(buf, data[(pgno-1)*512:pgno*512]) {
			t.Errorf("page %d is not what Read served", pgno)
		}
	}
	if err := sf.ReadPage(3, buf); !errors.Is(err, errPage3) {
		t.Errorf("ReadPage(3): %v, want Read's error", err)
	}
	if diff := cmp.Diff([]uint32{4, 1, 2, 3}, got); diff != "" {
		t.Errorf("pages passed to Read (-want +got):\n%s", diff)
	}
}
