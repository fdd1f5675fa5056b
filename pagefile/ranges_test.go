package pagefile_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/pagefile"
)

// rangePages reads all of s with ReadPages in runs of n pages (the last
// run shorter) and returns the pages one by one.
func rangePages(t *testing.T, s pagefile.Source, n int) [][]byte {
	t.Helper()
	ps := s.PageSize()
	var pages [][]byte
	for first := uint32(1); first <= s.PageCount(); first += uint32(n) {
		k := min(n, int(s.PageCount()-first+1))
		buf := make([]byte, k*ps)
		if err := pagefile.ReadPages(s, first, buf); err != nil {
			t.Fatalf("ReadPages(%d, %d pages): %v", first, k, err)
		}
		for i := 0; i < k; i++ {
			pages = append(pages, buf[i*ps:(i+1)*ps])
		}
	}
	return pages
}

// TestReadPagesMatchesReadPage checks that runs read in one go equal the
// same pages read one at a time, for every kind of source, at run lengths
// that align and do not align with the WAL's pages and the file's end.
func TestReadPagesMatchesReadPage(t *testing.T) {
	d := loadWALDB(t)
	w := readWAL(t, d.WAL)
	frameSize := pagefile.WALFrameHeaderSize + d.PageSize
	overlay := func(main, wal []byte) pagefile.Source {
		base, err := pagefile.NewBytesSource(main, d.PageSize)
		if err != nil {
			t.Fatal(err)
		}
		ov, err := pagefile.NewWALOverlay(base, readWAL(t, wal))
		if err != nil {
			t.Fatal(err)
		}
		return ov
	}
	plain, err := pagefile.NewBytesSource(d.Main[:100*d.PageSize+300], d.PageSize)
	if err != nil {
		t.Fatal(err)
	}
	sources := []struct {
		name string
		src  pagefile.Source
	}{
		{"file ending mid-page", plain},
		{"file + WAL", overlay(d.Main, d.WAL)},
		{"short file + WAL", overlay(d.Main[:100*d.PageSize], d.WAL)},
		{"file + WAL with no commit", overlay(d.Main, d.WAL[:pagefile.WALHeaderSize+w.Commits[0]*frameSize])},
		{"page function (no range reads)", &pagefile.SourceFunc{Size: plain.PageSize(), Count: plain.PageCount(), Read: plain.ReadPage}},
	}
	for _, s := range sources {
		want := sourcePages(t, s.src)
		for _, n := range []int{1, 3, 64, len(want)} {
			if diff := diffPages(want, rangePages(t, s.src, n)); diff != "" {
				t.Errorf("%s, runs of %d pages:\n%s", s.name, n, diff)
			}
		}
	}
}

func TestReadPagesRejects(t *testing.T) {
	d := loadWALDB(t)
	src, err := pagefile.NewBytesSource(d.Main, d.PageSize)
	if err != nil {
		t.Fatal(err)
	}
	ov, err := pagefile.NewWALOverlay(src, readWAL(t, d.WAL))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []pagefile.Source{src, ov} {
		n := s.PageCount()
		ps := d.PageSize
		for _, tc := range []struct {
			first uint32
			pages int
		}{{0, 1}, {n, 2}, {n + 1, 1}} {
			want := problem{Pgno: tc.first, Cause: "ErrOutOfRange"}
			if diff := cmp.Diff(want, describe(pagefile.ReadPages(s, tc.first, make([]byte, tc.pages*ps)))); diff != "" {
				t.Errorf("%T ReadPages(%d, %d pages) (-want +got):\n%s", s, tc.first, tc.pages, diff)
			}
			if rr, ok := s.(pagefile.RangeReader); ok {
				if diff := cmp.Diff(want, describe(rr.ReadPages(tc.first, make([]byte, tc.pages*ps)))); diff != "" {
					t.Errorf("%T.ReadPages(%d, %d pages) (-want +got):\n%s", s, tc.first, tc.pages, diff)
				}
			}
		}
		for _, size := range []int{0, ps - 1, ps + 1} {
			if err := pagefile.ReadPages(s, 1, make([]byte, size)); err == nil {
				t.Errorf("%T ReadPages accepted a %d-byte buffer", s, size)
			}
		}
	}
}

// countingSource counts the pages its range reads fetch.
type countingSource struct {
	*pagefile.ReaderSource
	reads, pages int
}

func (c *countingSource) ReadPages(first uint32, dst []byte) error {
	c.reads++
	c.pages += len(dst) / c.PageSize()
	return c.ReaderSource.ReadPages(first, dst)
}

// TestReadAhead: whatever the order of reads, ReadAhead serves the same
// bytes as its source; reading forward it fetches in growing windows
// (few reads), and reading at random it fetches little more than asked.
func TestReadAhead(t *testing.T) {
	const ps, count = 512, 1000
	data := randomBytes(ps*count, 7)
	forward := make([]uint32, 0, count)
	for p := uint32(1); p <= count; p++ {
		forward = append(forward, p)
	}
	// A walk's order: mostly forward, with skips and a few jumps back.
	skipping := []uint32{}
	for p := uint32(1); p <= count; p += 3 {
		skipping = append(skipping, p)
		if p%100 == 1 && p > 1 {
			skipping = append(skipping, p/2)
		}
	}
	scattered := make([]uint32, 0, 200)
	for i := uint32(0); i < 200; i++ {
		scattered = append(scattered, 1+(i*7919)%count)
	}
	for _, tc := range []struct {
		name              string
		order             []uint32
		maxReads, maxRead int // bounds on range reads and pages fetched
	}{
		{"forward", forward, 30, count},
		{"skipping", skipping, 80, count + 64*10},
		{"scattered", scattered, 200, 2 * 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, err := pagefile.NewBytesSource(data, ps)
			if err != nil {
				t.Fatal(err)
			}
			counted := &countingSource{ReaderSource: base}
			ra := pagefile.NewReadAhead(counted, 64*ps)
			if ra.PageSize() != ps || ra.PageCount() != count {
				t.Fatalf("page size %d, count %d", ra.PageSize(), ra.PageCount())
			}
			got := make([]byte, ps)
			for _, p := range tc.order {
				if err := ra.ReadPage(p, got); err != nil {
					t.Fatal(err)
				}
				if want := data[int(p-1)*ps : int(p)*ps]; string(got) != string(want) {
					t.Fatalf("page %d differs from the source's", p)
				}
			}
			if counted.reads > tc.maxReads || counted.pages > tc.maxRead {
				t.Errorf("%d reads fetched %d pages for %d pages asked; want at most %d reads, %d pages",
					counted.reads, counted.pages, len(tc.order), tc.maxReads, tc.maxRead)
			}
			t.Logf("%d reads fetched %d pages for %d pages asked", counted.reads, counted.pages, len(tc.order))
			if err := ra.ReadPage(count+1, got); err == nil {
				t.Errorf("ReadPage past the end succeeded")
			}
		})
	}
	// A source without range reads is not wrapped.
	plain := &pagefile.SourceFunc{Size: ps, Count: count, Read: func(uint32, []byte) error { return nil }}
	if pagefile.NewReadAhead(plain, 64*ps) != pagefile.Source(plain) {
		t.Errorf("NewReadAhead wrapped a source that cannot read ranges")
	}
}

// A File embeds its source as an interface, which hides the source's
// ReadPages: a read-ahead window over a File must still read runs when
// the source can (a File is what the census and the repair walk), and
// must not wrap a File whose source cannot.
func TestReadAheadSeesThroughFile(t *testing.T) {
	const ps, count = 512, 300
	data := randomBytes(ps*count, 11)
	base, err := pagefile.NewBytesSource(data, ps)
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingSource{ReaderSource: base}
	f, err := pagefile.FromSource(counted, pagefile.Geometry{PageSize: ps})
	if err != nil {
		t.Fatal(err)
	}
	counted.reads, counted.pages = 0, 0 // what opening read
	ra := pagefile.NewReadAhead(f, 64*ps)
	got := make([]byte, ps)
	for p := uint32(1); p <= count; p++ {
		if err := ra.ReadPage(p, got); err != nil {
			t.Fatal(err)
		}
		if want := data[int(p-1)*ps : int(p)*ps]; string(got) != string(want) {
			t.Fatalf("page %d differs from the source's", p)
		}
	}
	// Every page came through range reads, and few of them.
	if counted.pages < count || counted.reads > 15 {
		t.Errorf("%d range reads fetched %d pages for %d pages read forward: the window does not see through the File",
			counted.reads, counted.pages, count)
	}
	plain := &pagefile.SourceFunc{Size: ps, Count: count, Read: func(uint32, []byte) error { return nil }}
	pf, err := pagefile.FromSource(plain, pagefile.Geometry{PageSize: ps})
	if err != nil {
		t.Fatal(err)
	}
	if pagefile.NewReadAhead(pf, 64*ps) != pagefile.Source(pf) {
		t.Errorf("NewReadAhead wrapped a File whose source cannot read ranges")
	}
}
