package pagefile_test

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dbrescue/dbrescue/pagefile"
)

// headerConfig is a database to create through SQLite for the header test.
type headerConfig struct {
	PageSize      int
	Encoding      string // as PRAGMA encoding spells it
	AutoVacuum    string // "none", "full" or "incremental"
	UserVersion   int32
	ApplicationID int32
	WAL           bool
}

// sqliteHeader is what SQLite reports, through PRAGMAs and the schema,
// about the fields of a database header.
type sqliteHeader struct {
	PageSize        int
	UserVersion     int32
	ApplicationID   int32
	SchemaVersion   uint32
	FreelistCount   uint32
	PageCount       uint32
	Encoding        string
	AutoVacuum      string
	FileFormat      byte // 2 in WAL mode, 1 otherwise
	LargestRootPage uint32
	HasFreelist     bool
}

// createHeaderDB creates a database through SQLite with c's settings, a
// table, an index, and deleted rows (so the freelist is not empty unless
// auto_vacuum is full), and returns its path and SQLite's view of it.
func createHeaderDB(t *testing.T, c headerConfig) (string, sqliteHeader) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`PRAGMA synchronous = OFF`) // no fsync: speed, not durability
	// Geometry first: it is fixed once page 1 is written.
	exec(fmt.Sprintf(`PRAGMA page_size = %d`, c.PageSize))
	exec(`PRAGMA auto_vacuum = ` + c.AutoVacuum)
	exec(fmt.Sprintf(`PRAGMA encoding = '%s'`, c.Encoding))
	if c.WAL {
		exec(`PRAGMA journal_mode = WAL`)
	}
	exec(`CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB)`)
	exec(`CREATE INDEX t_b ON t(b)`)
	exec(`BEGIN`)
	// Blobs a little over a page: every deleted row frees an overflow page.
	for i := range 40 {
		exec(`INSERT INTO t(b, c) VALUES(?, randomblob(?))`, fmt.Sprintf("row %d", i), c.PageSize+i*13%300)
	}
	exec(`COMMIT`)
	exec(`DELETE FROM t WHERE a % 3 = 0`)
	exec(fmt.Sprintf(`PRAGMA user_version = %d`, c.UserVersion))
	exec(fmt.Sprintf(`PRAGMA application_id = %d`, c.ApplicationID))
	if c.WAL {
		exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}

	var s sqliteHeader
	var av int
	var journal string
	for _, q := range []struct {
		sql  string
		dest any
	}{
		{`PRAGMA page_size`, &s.PageSize},
		{`PRAGMA user_version`, &s.UserVersion},
		{`PRAGMA application_id`, &s.ApplicationID},
		{`PRAGMA schema_version`, &s.SchemaVersion},
		{`PRAGMA freelist_count`, &s.FreelistCount},
		{`PRAGMA page_count`, &s.PageCount},
		{`PRAGMA encoding`, &s.Encoding},
		{`PRAGMA auto_vacuum`, &av},
		{`PRAGMA journal_mode`, &journal},
		{`SELECT max(rootpage) FROM sqlite_master`, &s.LargestRootPage},
	} {
		if err := db.QueryRow(q.sql).Scan(q.dest); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	s.AutoVacuum = []string{"none", "full", "incremental"}[av]
	if s.AutoVacuum == "none" {
		s.LargestRootPage = 0
	}
	s.FileFormat = 1
	if journal == "wal" {
		s.FileFormat = 2
	}
	s.HasFreelist = s.FreelistCount > 0
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, s
}

func TestReadHeaderMatchesSQLite(t *testing.T) {
	for _, c := range []headerConfig{
		{PageSize: 512, Encoding: "UTF-8", AutoVacuum: "none", UserVersion: 7, ApplicationID: 0x12345678},
		{PageSize: 1024, Encoding: "UTF-16le", AutoVacuum: "full", UserVersion: -2, ApplicationID: -1},
		{PageSize: 4096, Encoding: "UTF-16be", AutoVacuum: "incremental", UserVersion: 1 << 30, ApplicationID: 0x0f10_5eed},
		{PageSize: 8192, Encoding: "UTF-8", AutoVacuum: "none", UserVersion: 42, ApplicationID: 1, WAL: true},
		{PageSize: 65536, Encoding: "UTF-16le", AutoVacuum: "incremental", UserVersion: 3, ApplicationID: 5},
	} {
		name := fmt.Sprintf("ps%d-%s-%s-wal%v", c.PageSize, c.Encoding, c.AutoVacuum, c.WAL)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path, want := createHeaderDB(t, c)
			// The settings must have taken, or the test proves nothing.
			if want.PageSize != c.PageSize || want.Encoding != c.Encoding || want.AutoVacuum != c.AutoVacuum {
				t.Fatalf("SQLite did not apply the settings: %+v", want)
			}
			if c.AutoVacuum != "full" && want.FreelistCount == 0 {
				t.Fatalf("no free pages after deleting rows")
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.PageSize == 65536 {
				if got := binary.BigEndian.Uint16(raw[16:]); got != 1 {
					t.Errorf("page size 65536 is stored as %d, want 1", got)
				}
			}

			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			h, err := pagefile.ReadHeader(fh)
			if err != nil {
				t.Fatal(err)
			}
			if !h.Valid() {
				t.Errorf("header of a fresh database has problems: %v", h.Problems)
			}
			got := sqliteHeader{
				PageSize:        h.PageSize,
				UserVersion:     int32(h.UserVersion),
				ApplicationID:   int32(h.ApplicationID),
				SchemaVersion:   h.SchemaCookie,
				FreelistCount:   h.FreelistCount,
				PageCount:       h.DatabaseSize,
				Encoding:        pagefile.EncodingName(h.TextEncoding),
				AutoVacuum:      h.AutoVacuum(),
				FileFormat:      h.WriteVersion,
				LargestRootPage: h.LargestRootPage,
				HasFreelist:     h.FirstFreelistTrunk != 0,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("header vs SQLite (-want +got):\n%s", diff)
			}
			if h.ReadVersion != h.WriteVersion {
				t.Errorf("read version %d, write version %d", h.ReadVersion, h.WriteVersion)
			}
			if h.Magic != pagefile.Magic {
				t.Errorf("magic %q", h.Magic)
			}
			if h.UsableSize() != c.PageSize || h.ReservedBytes != 0 {
				t.Errorf("usable size %d, reserved %d; want %d, 0", h.UsableSize(), h.ReservedBytes, c.PageSize)
			}
			if !h.DatabaseSizeTrusted() {
				t.Errorf("in-header size not trusted: change counter %d, version-valid-for %d", h.FileChangeCounter, h.VersionValidFor)
			}
			if h.MaxPayloadFraction != 64 || h.MinPayloadFraction != 32 || h.LeafPayloadFraction != 32 {
				t.Errorf("payload fractions %d/%d/%d", h.MaxPayloadFraction, h.MinPayloadFraction, h.LeafPayloadFraction)
			}
			if int64(h.DatabaseSize)*int64(h.PageSize) != int64(len(raw)) {
				t.Errorf("header says %d pages of %d bytes, file has %d bytes", h.DatabaseSize, h.PageSize, len(raw))
			}
		})
	}
}

// baseHeaderBytes returns the first page of a real 512-byte-page database
// with auto_vacuum off and an empty freelist, as SQLite wrote it.
func baseHeaderBytes(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "base.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`PRAGMA synchronous = OFF`, `PRAGMA page_size = 512`, `PRAGMA auto_vacuum = none`,
		`CREATE TABLE t(a)`, `INSERT INTO t VALUES(1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b[:512]
}

func TestParseHeaderCorruptions(t *testing.T) {
	base := baseHeaderBytes(t)
	orig := pagefile.ParseHeader(base)
	if !orig.Valid() || orig.PageSize != 512 || orig.LargestRootPage != 0 || orig.FirstFreelistTrunk != 0 || orig.SchemaCookie == 0 {
		t.Fatalf("unexpected base header: %+v %v", orig, orig.Problems)
	}
	put16 := func(off int, v uint16) func([]byte) {
		return func(b []byte) { binary.BigEndian.PutUint16(b[off:], v) }
	}
	put32 := func(off int, v uint32) func([]byte) {
		return func(b []byte) { binary.BigEndian.PutUint32(b[off:], v) }
	}
	set := func(off int, v byte) func([]byte) {
		return func(b []byte) { b[off] = v }
	}
	tests := []struct {
		name   string
		mutate func([]byte)
		want   func(*pagefile.Header) // the fields the mutation changes
		off    []int64                // expected problem offsets; none for a valid header
	}{
		{"wrong magic", func(b []byte) { copy(b, "SQLite format 4\x00") },
			func(h *pagefile.Header) { h.Magic = "SQLite format 4\x00" }, []int64{0}},
		{"page size 1000", put16(16, 1000), func(h *pagefile.Header) { h.PageSize = 0 }, []int64{16}},
		{"page size 0", put16(16, 0), func(h *pagefile.Header) { h.PageSize = 0 }, []int64{16}},
		{"page size 3", put16(16, 3), func(h *pagefile.Header) { h.PageSize = 0 }, []int64{16}},
		{"page size 256", put16(16, 256), func(h *pagefile.Header) { h.PageSize = 0 }, []int64{16}},
		{"page size 65535", put16(16, 65535), func(h *pagefile.Header) { h.PageSize = 0 }, []int64{16}},
		{"page size 1 means 65536", put16(16, 1), func(h *pagefile.Header) { h.PageSize = 65536 }, nil},
		{"page size 32768", put16(16, 32768), func(h *pagefile.Header) { h.PageSize = 32768 }, nil},
		{"write version 7", set(18, 7), func(h *pagefile.Header) { h.WriteVersion = 7 }, []int64{18}},
		{"read version 7", set(19, 7), func(h *pagefile.Header) { h.ReadVersion = 7 }, []int64{19}},
		{"read version 0", set(19, 0), func(h *pagefile.Header) { h.ReadVersion = 0 }, []int64{19}},
		{"WAL versions", func(b []byte) { b[18], b[19] = 2, 2 },
			func(h *pagefile.Header) { h.WriteVersion, h.ReadVersion = 2, 2 }, nil},
		{"reserved leaves 479 usable", set(20, 33), func(h *pagefile.Header) { h.ReservedBytes = 33 }, []int64{20}},
		{"reserved leaves 480 usable", set(20, 32), func(h *pagefile.Header) { h.ReservedBytes = 32 }, nil},
		{"max payload fraction 65", set(21, 65), func(h *pagefile.Header) { h.MaxPayloadFraction = 65 }, []int64{21}},
		{"min payload fraction 31", set(22, 31), func(h *pagefile.Header) { h.MinPayloadFraction = 31 }, []int64{22}},
		{"leaf payload fraction 64", set(23, 64), func(h *pagefile.Header) { h.LeafPayloadFraction = 64 }, []int64{23}},
		{"freelist count with zero trunk", put32(36, 5), func(h *pagefile.Header) { h.FreelistCount = 5 }, []int64{36}},
		{"schema format 9", put32(44, 9), func(h *pagefile.Header) { h.SchemaFormat = 9 }, []int64{44}},
		{"schema format 1", put32(44, 1), func(h *pagefile.Header) { h.SchemaFormat = 1 }, nil},
		{"text encoding 7", put32(56, 7), func(h *pagefile.Header) { h.TextEncoding = 7 }, []int64{56}},
		{"text encoding 0 with a schema", put32(56, 0), func(h *pagefile.Header) { h.TextEncoding = 0 }, []int64{56}},
		{"text encoding 0 without a schema", func(b []byte) { put32(56, 0)(b); put32(40, 0)(b) },
			func(h *pagefile.Header) { h.TextEncoding, h.SchemaCookie = 0, 0 }, nil},
		{"incremental vacuum without auto_vacuum", put32(64, 1), func(h *pagefile.Header) { h.IncrementalVacuum = 1 }, []int64{64}},
		{"incremental vacuum with auto_vacuum", func(b []byte) { put32(64, 1)(b); put32(52, 3)(b) },
			func(h *pagefile.Header) { h.IncrementalVacuum, h.LargestRootPage = 1, 3 }, nil},
		{"reserved-for-expansion byte 72", set(72, 1), func(*pagefile.Header) {}, []int64{72}},
		{"reserved-for-expansion byte 91", set(91, 0xff), func(*pagefile.Header) {}, []int64{91}},
		{"two reserved-for-expansion bytes", func(b []byte) { b[80], b[85] = 1, 2 }, func(*pagefile.Header) {}, []int64{80}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := clone(base)
			tt.mutate(b)
			want := *pagefile.ParseHeader(base)
			tt.want(&want)
			got := pagefile.ParseHeader(b)
			if diff := cmp.Diff(&want, got, cmpopts.IgnoreFields(pagefile.Header{}, "Problems")); diff != "" {
				t.Errorf("decoded fields (-want +got):\n%s", diff)
			}
			var wantProblems []problem
			for _, off := range tt.off {
				wantProblems = append(wantProblems, problem{Pgno: 0, Offset: off, Cause: "ErrBadValue"})
			}
			if diff := cmp.Diff(wantProblems, describeAll(got.Problems)); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", diff, got.Problems)
			}
			if got.Valid() != (len(tt.off) == 0) {
				t.Errorf("Valid() = %v with problems %v", got.Valid(), got.Problems)
			}
			// ReadHeader decodes the same bytes the same way.
			rh, err := pagefile.ReadHeader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, rh, cmpopts.IgnoreFields(pagefile.Header{}, "Problems")); diff != "" {
				t.Errorf("ReadHeader vs ParseHeader (-parse +read):\n%s", diff)
			}
			if diff := cmp.Diff(describeAll(got.Problems), describeAll(rh.Problems)); diff != "" {
				t.Errorf("ReadHeader vs ParseHeader problems (-parse +read):\n%s", diff)
			}
		})
	}
}

func TestHeaderUsableSize(t *testing.T) {
	tests := []struct {
		pageSize uint16
		reserved byte
		want     int
	}{
		{512, 0, 512},
		{512, 32, 480},
		{512, 33, 0},
		{1024, 255, 769},
		{1, 20, 65516},
		{1000, 0, 0},
	}
	for _, tt := range tests {
		b := make([]byte, pagefile.HeaderSize)
		binary.BigEndian.PutUint16(b[16:], tt.pageSize)
		b[20] = tt.reserved
		if got := pagefile.ParseHeader(b).UsableSize(); got != tt.want {
			t.Errorf("page size %d, reserved %d: usable %d, want %d", tt.pageSize, tt.reserved, got, tt.want)
		}
	}
}

func TestAutoVacuumMode(t *testing.T) {
	tests := []struct {
		largestRoot, incremental uint32
		want                     string
	}{
		{0, 0, "none"},
		{0, 1, "none"}, // inconsistent; reported as a problem
		{5, 0, "full"},
		{5, 1, "incremental"},
	}
	for _, tt := range tests {
		b := make([]byte, pagefile.HeaderSize)
		binary.BigEndian.PutUint32(b[52:], tt.largestRoot)
		binary.BigEndian.PutUint32(b[64:], tt.incremental)
		if got := pagefile.ParseHeader(b).AutoVacuum(); got != tt.want {
			t.Errorf("largest root %d, incremental %d: %q, want %q", tt.largestRoot, tt.incremental, got, tt.want)
		}
	}
}

func TestDatabaseSizeTrusted(t *testing.T) {
	tests := []struct {
		size, counter, validFor uint32
		want                    bool
	}{
		{10, 3, 3, true},
		{10, 3, 2, false}, // written by a version that did not maintain it
		{0, 3, 3, false},
	}
	for _, tt := range tests {
		b := make([]byte, pagefile.HeaderSize)
		binary.BigEndian.PutUint32(b[24:], tt.counter)
		binary.BigEndian.PutUint32(b[28:], tt.size)
		binary.BigEndian.PutUint32(b[92:], tt.validFor)
		if got := pagefile.ParseHeader(b).DatabaseSizeTrusted(); got != tt.want {
			t.Errorf("size %d, counter %d, valid-for %d: %v, want %v", tt.size, tt.counter, tt.validFor, got, tt.want)
		}
	}
}

func TestReadHeaderShortFile(t *testing.T) {
	full := baseHeaderBytes(t)
	for _, n := range []int{0, 1, 16, 99} {
		_, err := pagefile.ReadHeader(bytes.NewReader(full[:n]))
		want := problem{Pgno: 0, Offset: int64(n), Cause: "ErrTruncated"}
		if diff := cmp.Diff(want, describe(err)); diff != "" {
			t.Errorf("%d bytes (-want +got):\n%s", n, diff)
		}
	}
	h, err := pagefile.ReadHeader(bytes.NewReader(full[:pagefile.HeaderSize]))
	if err != nil || !h.Valid() {
		t.Errorf("exactly %d bytes: %v %v", pagefile.HeaderSize, err, h)
	}
}

// failingReader fails every read with err after serving n bytes.
type failingReader struct {
	data []byte
	n    int
	err  error
}

func (r failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(r.n) {
		return 0, r.err
	}
	k := copy(p, r.data[off:r.n])
	if k < len(p) {
		return k, r.err
	}
	return k, nil
}

func TestReadHeaderIOError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	_, err := pagefile.ReadHeader(failingReader{data: baseHeaderBytes(t), n: 50, err: errDisk})
	if !errors.Is(err, errDisk) {
		t.Errorf("ReadHeader error %v, want the reader's error", err)
	}
	var ce *pagefile.CorruptError
	if errors.As(err, &ce) {
		t.Errorf("an I/O error is reported as corruption: %v", err)
	}
}
