package pagefile_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

func open(t *testing.T, path string, opts pagefile.Options) *pagefile.File {
	t.Helper()
	f, err := pagefile.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mainPages(t *testing.T, main []byte, ps int) [][]byte {
	t.Helper()
	s, err := pagefile.NewBytesSource(main, ps)
	if err != nil {
		t.Fatal(err)
	}
	return sourcePages(t, s)
}

var ignoreProblems = cmpopts.IgnoreFields(pagefile.Header{}, "Problems")

func TestOpenWithWAL(t *testing.T) {
	d := loadWALDB(t)
	f := open(t, writeDB(t, d.Main, d.WAL), pagefile.Options{})
	if f.WAL == nil || f.WALError() != nil {
		t.Fatalf("WAL %v, WALError %v", f.WAL, f.WALError())
	}
	want := sqlitePages(t, d.Main, d.WAL)
	if f.PageCount() != uint32(len(want)) || f.PageCount() != f.WAL.DatabaseSize {
		t.Errorf("PageCount %d; SQLite %d, WAL %d", f.PageCount(), len(want), f.WAL.DatabaseSize)
	}
	if diff := diffPages(want, sourcePages(t, f)); diff != "" {
		t.Errorf("File vs sqlite_dbpage:\n%s", diff)
	}
	if diff := diffPages(mainPages(t, d.Main, d.PageSize), sourcePages(t, f.Main)); diff != "" {
		t.Errorf("File.Main vs the main file:\n%s", diff)
	}
	if f.Geometry != (pagefile.Geometry{PageSize: 1024}) || f.Usable() != 1024 || f.TextEncoding() != pagefile.EncodingUTF8 {
		t.Errorf("geometry %+v, usable %d, encoding %d", f.Geometry, f.Usable(), f.TextEncoding())
	}
	// Header is page 1 as SQLite sees it (the WAL's copy); FileHeader the
	// main file's, which is older.
	if diff := cmp.Diff(pagefile.ParseHeader(want[0]), f.Header, ignoreProblems); diff != "" || f.HeaderFrom != pagefile.HeaderFromWAL {
		t.Errorf("Header (from %q) vs SQLite's page 1 (-want +got):\n%s", f.HeaderFrom, diff)
	}
	if diff := cmp.Diff(pagefile.ParseHeader(d.Main), f.FileHeader, ignoreProblems); diff != "" {
		t.Errorf("FileHeader vs the main file (-want +got):\n%s", diff)
	}
	if !f.Header.Valid() || !f.FileHeader.Valid() || f.Header.DatabaseSize == f.FileHeader.DatabaseSize {
		t.Errorf("Header %v (valid %v), FileHeader %v (valid %v)", f.Header, f.Header.Valid(), f.FileHeader, f.FileHeader.Valid())
	}
	page, err := f.Page(f.PageCount())
	if err != nil || !bytes.Equal(page, want[len(want)-1]) {
		t.Errorf("Page(%d): %v", f.PageCount(), err)
	}
	for _, pgno := range []uint32{0, f.PageCount() + 1} {
		if _, err := f.Page(pgno); describe(err) != (problem{Pgno: pgno, Cause: "ErrOutOfRange"}) {
			t.Errorf("Page(%d): %v", pgno, err)
		}
	}
}

func TestOpenNoWAL(t *testing.T) {
	d := loadWALDB(t)
	path := writeDB(t, d.Main, d.WAL)
	for _, opts := range []pagefile.Options{
		{NoWAL: true},
		{NoWAL: true, WALPath: filepath.Join(t.TempDir(), "missing-wal")},
	} {
		f := open(t, path, opts)
		if f.WAL != nil || f.WALError() != nil {
			t.Errorf("%+v: WAL %v, WALError %v", opts, f.WAL, f.WALError())
		}
		if diff := diffPages(mainPages(t, d.Main, d.PageSize), sourcePages(t, f)); diff != "" {
			t.Errorf("%+v: File vs the main file:\n%s", opts, diff)
		}
		if f.Header != f.FileHeader || f.HeaderFrom != pagefile.HeaderFromFile {
			t.Errorf("%+v: Header is not the main file's but from %q", opts, f.HeaderFrom)
		}
	}
}

func TestOpenWALPath(t *testing.T) {
	d := loadWALDB(t)
	want := sqlitePages(t, d.Main, d.WAL)
	damaged := clone(d.WAL)
	damaged[30] ^= 1

	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	elsewhere := filepath.Join(dir, "log", "elsewhere.wal")
	for name, b := range map[string][]byte{path: d.Main, path + "-wal": damaged, elsewhere: d.WAL} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An explicit WALPath is used instead of the damaged -wal beside the file.
	f := open(t, path, pagefile.Options{WALPath: elsewhere})
	if f.WAL == nil {
		t.Fatalf("explicit WAL not used: %v", f.WALError())
	}
	if diff := diffPages(want, sourcePages(t, f)); diff != "" {
		t.Errorf("File vs sqlite_dbpage:\n%s", diff)
	}
	// An explicit WALPath that does not exist is an error: the caller
	// asked for it.
	f2, err := pagefile.Open(path, pagefile.Options{WALPath: filepath.Join(dir, "nope-wal")})
	if !errors.Is(err, os.ErrNotExist) || f2 != nil {
		t.Errorf("missing explicit WAL: %v, %v", f2, err)
	}
	// A missing default -wal is not.
	if err := os.Remove(path + "-wal"); err != nil {
		t.Fatal(err)
	}
	f3 := open(t, path, pagefile.Options{})
	if f3.WAL != nil || f3.WALError() != nil {
		t.Errorf("no -wal: WAL %v, WALError %v", f3.WAL, f3.WALError())
	}
}

func TestOpenMissingFile(t *testing.T) {
	f, err := pagefile.Open(filepath.Join(t.TempDir(), "nope.db"), pagefile.Options{})
	if !errors.Is(err, os.ErrNotExist) || f != nil {
		t.Errorf("Open of a missing file: %v, %v", f, err)
	}
}

// TestOpenDamagedWAL opens databases whose WAL cannot be used: the File
// opens on the main file alone and WALError says why.
func TestOpenDamagedWAL(t *testing.T) {
	d := loadWALDB(t)
	w := readWAL(t, d.WAL)
	// A damaged header alone is salvaged from the frames (see
	// TestOpenSalvagesWAL); with frames 0 and 1 damaged too, nothing
	// proves the rest.
	flip := func(at int) []byte {
		b := clone(d.WAL)
		b[at] ^= 0x40
		for _, f := range w.Frames[:2] {
			b[f.Offset+pagefile.WALFrameHeaderSize+100] ^= 0x01
		}
		return b
	}
	otherPageSize := clone(d.WAL)
	otherPageSize[10] = 0x08 // 2048: frames now misaligned, none valid
	otherPageSize = rechecksum(otherPageSize, walMagicLE, 0)
	for _, tt := range []struct {
		name string
		wal  []byte
		want problem
	}{
		{"header checksum", flip(25), problem{Offset: 24, Cause: "ErrBadValue"}},
		{"salt", flip(20), problem{Offset: 24, Cause: "ErrBadValue"}},
		{"magic", flip(0), problem{Offset: 0, Cause: "ErrBadValue"}},
		{"page size", flip(9), problem{Offset: 8, Cause: "ErrBadValue"}},
		{"shorter than its header", d.WAL[:20], problem{Offset: 0, Cause: "ErrTruncated"}},
		{"other page size", otherPageSize, problem{Offset: 8, Cause: "ErrBadValue"}},
		{"empty", []byte{}, problem{Cause: "no error"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, writeDB(t, d.Main, tt.wal), pagefile.Options{})
			if f.WAL != nil {
				t.Errorf("damaged WAL overlaid")
			}
			if diff := cmp.Diff(tt.want, describe(f.WALError())); diff != "" {
				t.Errorf("WALError (-want +got):\n%s", diff)
			}
			if diff := diffPages(mainPages(t, d.Main, d.PageSize), sourcePages(t, f)); diff != "" {
				t.Errorf("File vs the main file:\n%s", diff)
			}
			if f.Header != f.FileHeader || !f.Header.Valid() {
				t.Errorf("Header not the main file's valid header: %v", f.Header.Problems)
			}
		})
	}
}

func TestOpenZeroedHeader(t *testing.T) {
	d := loadWALDB(t)
	zeroed := clone(d.Main)
	clear(zeroed[:pagefile.HeaderSize])
	path := writeDB(t, zeroed, nil)

	f, err := pagefile.Open(path, pagefile.Options{})
	if !errors.Is(err, pagefile.ErrUnknownPageSize) || f != nil {
		t.Fatalf("Open with a zeroed header: %v, %v; want ErrUnknownPageSize", f, err)
	}

	f = open(t, path, pagefile.Options{Geometry: &pagefile.Geometry{PageSize: 1024}})
	if f.Header.Valid() {
		t.Errorf("a zeroed header is valid")
	}
	if f.Geometry != (pagefile.Geometry{PageSize: 1024}) || f.PageCount() != uint32(len(d.Main)/1024) {
		t.Errorf("geometry %+v, %d pages", f.Geometry, f.PageCount())
	}
	want := mainPages(t, d.Main, d.PageSize)
	got := sourcePages(t, f)
	if !bytes.Equal(got[0][pagefile.HeaderSize:], want[0][pagefile.HeaderSize:]) {
		t.Errorf("page 1 past the header differs")
	}
	if diff := diffPages(want[1:], got[1:]); diff != "" {
		t.Errorf("pages 2.. vs the original file:\n%s", diff)
	}

	// The wrong geometry is taken as given, and pages are cut by it.
	f = open(t, path, pagefile.Options{Geometry: &pagefile.Geometry{PageSize: 4096, Reserved: 16}})
	if f.Geometry != (pagefile.Geometry{PageSize: 4096, Reserved: 16}) || f.PageCount() != uint32((len(d.Main)+4095)/4096) || f.Usable() != 4080 {
		t.Errorf("geometry %+v, %d pages, usable %d", f.Geometry, f.PageCount(), f.Usable())
	}
}

// TestOpenZeroedHeaderWithWAL damages the main file's header while the WAL
// holds a committed page 1: the WAL gives the page size, and its page 1
// the header, so the database reads as SQLite saw it before the damage.
func TestOpenZeroedHeaderWithWAL(t *testing.T) {
	d := loadWALDB(t)
	want := sqlitePages(t, d.Main, d.WAL)
	zeroed := clone(d.Main)
	clear(zeroed[:pagefile.HeaderSize])
	f := open(t, writeDB(t, zeroed, d.WAL), pagefile.Options{})
	if f.WAL == nil || !f.WAL.Has(1) {
		t.Fatalf("WAL %v, WALError %v; the fixture's WAL should hold page 1", f.WAL, f.WALError())
	}
	if f.FileHeader.Valid() || !f.Header.Valid() {
		t.Errorf("FileHeader valid %v, Header valid %v", f.FileHeader.Valid(), f.Header.Valid())
	}
	if diff := cmp.Diff(pagefile.ParseHeader(want[0]), f.Header, ignoreProblems); diff != "" {
		t.Errorf("Header vs SQLite's page 1 (-want +got):\n%s", diff)
	}
	if diff := diffPages(want, sourcePages(t, f)); diff != "" {
		t.Errorf("File vs sqlite_dbpage:\n%s", diff)
	}

	// The WAL header does not record the reserve; the WAL's page 1 does.
	w := readWAL(t, d.WAL)
	wal := clone(d.WAL)
	for _, fr := range w.Frames[:w.Committed] {
		if fr.Pgno == 1 {
			wal[fr.Offset+pagefile.WALFrameHeaderSize+20] = 8
		}
	}
	wal = rechecksum(wal, walMagicLE, len(w.Frames))
	path := writeDB(t, zeroed, wal)
	f = open(t, path, pagefile.Options{})
	if f.Geometry != (pagefile.Geometry{PageSize: 1024, Reserved: 8}) || f.Usable() != 1016 {
		t.Errorf("geometry %+v, usable %d; want the WAL page 1's reserve of 8", f.Geometry, f.Usable())
	}
	// A geometry given by the caller wins over the WAL's page 1.
	f = open(t, path, pagefile.Options{Geometry: &pagefile.Geometry{PageSize: 1024, Reserved: 4}})
	if f.Geometry != (pagefile.Geometry{PageSize: 1024, Reserved: 4}) {
		t.Errorf("geometry %+v; want the one given", f.Geometry)
	}
}

func dirList(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestOpenLeavesFilesUnchanged opens, reads everything, and closes: the
// database and its WAL or hot journal keep their bytes, and no file appears
// beside them (SQLite would create a -shm and could checkpoint, or roll the
// journal back into the database and delete it).
func TestOpenLeavesFilesUnchanged(t *testing.T) {
	d := loadWALDB(t)
	hj := loadHotJournal(t, "FULL")
	for _, tt := range []struct {
		name, suffix string
		main, side   []byte
	}{
		{"WAL", "-wal", d.Main, d.WAL},
		{"hot journal", "-journal", hj.Main, hj.Journal},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeDB(t, tt.main, nil)
			if err := os.WriteFile(path+tt.suffix, tt.side, 0o644); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Dir(path)
			before := dirList(t, dir)
			dbSum, sideSum := testdb.FileSHA256(t, path), testdb.FileSHA256(t, path+tt.suffix)

			f, err := pagefile.Open(path, pagefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f.WAL == nil && f.Journal == nil {
				t.Fatalf("neither WAL nor journal used: %v, %v", f.WALError(), f.JournalError())
			}
			_ = sourcePages(t, f)
			_ = sourcePages(t, f.Main)
			_ = f.Freelist()
			if err := f.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := f.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if testdb.FileSHA256(t, path) != dbSum || testdb.FileSHA256(t, path+tt.suffix) != sideSum {
				t.Errorf("the database or its %s changed", tt.suffix)
			}
			if diff := cmp.Diff(before, dirList(t, dir)); diff != "" {
				t.Errorf("directory contents (-before +after):\n%s", diff)
			}
			if !slices.Equal(before, []string{"db.sqlite", "db.sqlite" + tt.suffix}) {
				t.Errorf("unexpected files: %v", before)
			}
		})
	}
}

func TestNewShortFile(t *testing.T) {
	data := randomBytes(50, 9)
	f, err := pagefile.New(bytes.NewReader(data), int64(len(data)), nil, 0, pagefile.Options{})
	if !errors.Is(err, pagefile.ErrUnknownPageSize) || f != nil {
		t.Fatalf("New of 50 bytes: %v, %v", f, err)
	}
	f, err = pagefile.New(bytes.NewReader(data), int64(len(data)), nil, 0, pagefile.Options{Geometry: &pagefile.Geometry{PageSize: 512}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.FileHeader.Problems) == 0 {
		t.Fatal("no problem reported for a 50-byte file")
	}
	if diff := cmp.Diff(problem{Offset: 50, Cause: "ErrTruncated"}, describe(f.FileHeader.Problems[0])); diff != "" {
		t.Errorf("first header problem (-want +got):\n%s", diff)
	}
	page, err := f.Page(1)
	if err != nil || f.PageCount() != 1 || !bytes.Equal(page, append(clone(data), make([]byte, 462)...)) {
		t.Errorf("page 1 of a 50-byte file: %v (%d pages)", err, f.PageCount())
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close of a File from New: %v", err)
	}
}

func TestNewRejectsGeometry(t *testing.T) {
	d := loadWALDB(t)
	for _, g := range []pagefile.Geometry{
		{PageSize: 0},
		{PageSize: 1000},
		{PageSize: 131072},
		{PageSize: 512, Reserved: 33},
		{PageSize: 1024, Reserved: -1},
		{PageSize: 4096, Reserved: 256},
	} {
		f, err := pagefile.New(bytes.NewReader(d.Main), int64(len(d.Main)), nil, 0, pagefile.Options{Geometry: &g})
		if err == nil {
			t.Errorf("geometry %+v accepted: %+v", g, f.Geometry)
		}
	}
	for _, g := range []pagefile.Geometry{{PageSize: 512, Reserved: 32}, {PageSize: 65536, Reserved: 255}} {
		if _, err := pagefile.New(bytes.NewReader(d.Main), int64(len(d.Main)), nil, 0, pagefile.Options{Geometry: &g}); err != nil {
			t.Errorf("geometry %+v rejected: %v", g, err)
		}
	}
}

func TestFileTextEncoding(t *testing.T) {
	d := loadWALDB(t)
	for _, tt := range []struct {
		stored byte
		want   uint32
	}{{1, 1}, {2, 2}, {3, 3}, {0, 1}, {7, 1}} {
		b := clone(d.Main)
		b[59] = tt.stored
		f := openBytes(t, b)
		if got := f.TextEncoding(); got != tt.want {
			t.Errorf("stored encoding %d: TextEncoding %d, want %d", tt.stored, got, tt.want)
		}
	}
}
