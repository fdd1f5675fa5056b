package sniff

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomBytes returns n bytes of a seeded generator: what encrypted pages
// look like.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestContentKinds(t *testing.T) {
	wal := []byte{0x37, 0x7f, 0x06, 0x82, 0, 0x2d, 0xe2, 0x18}
	for _, tc := range []struct {
		name string
		data []byte
		want Kind
	}{
		{"sqlite", append([]byte("SQLite format 3\x00"), make([]byte, 4080)...), SQLite},
		{"text", []byte("hello, this is a log file\nsecond line\n"), Text},
		{"utf8 text", []byte("Grüße aus Köln — 日本語のテキスト\n"), Text},
		{"zeros", make([]byte, 8192), Zeros},
		{"wiped header", append(make([]byte, 4096), []byte("page two holds data")...), ZeroHeader},
		{"encrypted 4096", randomBytes(40960, 1), Encrypted},
		{"encrypted 1024", randomBytes(3*1024, 2), Encrypted},
		{"random odd size", randomBytes(40961, 3), Random},
		{"short random", randomBytes(100, 4), Binary},
		{"wal", append(wal, make([]byte, 24)...), WAL},
		{"journal", append([]byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}, make([]byte, 500)...), Journal},
		{"gzip", append([]byte{0x1f, 0x8b, 8, 0}, randomBytes(4092, 5)...), Gzip},
		{"zip", append([]byte("PK\x03\x04"), randomBytes(100, 6)...), Zip},
		{"binary", bytes.Repeat([]byte{0, 1, 2, 3, 0xff, 0xfe}, 200), Binary},
		{"text with a NUL", []byte("abc\x00def"), Binary},
	} {
		got := Content(bytes.NewReader(tc.data), int64(len(tc.data)))
		if got.Kind != tc.want {
			t.Errorf("%s: kind %q, want %q", tc.name, got.Kind, tc.want)
		}
	}
}

func TestEncryptedSaysThePageSize(t *testing.T) {
	got := Content(bytes.NewReader(randomBytes(40960, 1)), 40960)
	if got.PageSize != 4096 {
		t.Errorf("page size %d, want 4096 (SQLCipher 4's, which divides 40960)", got.PageSize)
	}
}

// TestMessages checks the one sentence each kind gets, through the
// functions commands call.
func TestMessages(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cause := errors.New("no page size")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"directory", requireErr(dir), dir + " is a directory, not a database file"},
		{"empty", requireErr(write("empty.db", nil)), "empty.db is empty (0 bytes): there is nothing to read"},
		{"text", Describe(write("t.db", []byte("hello world\n")), WhyNoPageSize, cause),
			`t.db is not a SQLite database: no page parses at any page size; the first bytes look like text ("hello world")`},
		{"random", Describe(write("r.db", randomBytes(5000, 9)), WhyNoPageSize, cause),
			"r.db is not a SQLite database: no page parses at any page size; the first bytes look like random data; if it is encrypted (SQLCipher, WCDB's cipher), it needs the key (--key-file)"},
		{"encrypted", Describe(write("e.db", randomBytes(8192, 9)), WhyNoPageSize, cause),
			"e.db looks encrypted (SQLCipher, WCDB's cipher): no page parses at any page size, its bytes look random and its 8192 bytes are a whole number of 4096-byte pages; it needs the key (--key-file)"},
		{"no header", requireErr(write("n.db", []byte("id,name\n1,x\n"))),
			`n.db is not a SQLite database: it does not start with SQLite's header; the first bytes look like text ("id,name")`},
	} {
		var nd *NotDatabaseError
		if !errors.As(tc.err, &nd) {
			t.Errorf("%s: error %v is not a *NotDatabaseError", tc.name, tc.err)
			continue
		}
		if got := tc.err.Error(); !strings.HasSuffix(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	if err := Describe(write("c.db", []byte("x")), WhyNoPageSize, cause); !errors.Is(err, cause) {
		t.Errorf("Describe's error does not wrap the reader's: %v", err)
	}
	if err := RequireSQLite(write("ok.db", append([]byte("SQLite format 3\x00"), make([]byte, 84)...))); err != nil {
		t.Errorf("a file with SQLite's header: %v", err)
	}
}

func requireErr(path string) error { return RequireSQLite(path) }

// FuzzContent runs the classifier on hostile bytes: it must not panic,
// must say something, and must say the same thing twice.
func FuzzContent(f *testing.F) {
	f.Add([]byte("SQLite format 3\x00"), int64(16))
	f.Add([]byte("hello\n"), int64(6))
	f.Add(randomBytes(4096, 1), int64(4096))
	f.Add([]byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}, int64(-1))
	f.Add([]byte("\xef\xbf"), int64(1<<62))
	f.Fuzz(func(t *testing.T, data []byte, size int64) {
		a := Content(bytes.NewReader(data), size)
		b := Content(bytes.NewReader(data), size)
		if a.Kind == "" || a != b {
			t.Fatalf("Content(%q, %d) = %+v then %+v", data, size, a, b)
		}
		_ = (&NotDatabaseError{Path: "x", Finding: a}).Error()
	})
}
