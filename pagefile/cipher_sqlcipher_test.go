package pagefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/ciphertest"
	"github.com/dbrescue/dbrescue/pagefile"
)

// cipherCase is one way real SQLCipher writes a file: the build, the key
// as PRAGMA key takes it and as a key file holds it, and the pragmas.
type cipherCase struct {
	name    string
	major   int
	preset  string
	keySQL  string // PRAGMA key = keySQL
	keyFile string // what --key-file would hold
	pragmas []string
}

const (
	testRawKey  = "x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'"
	testRawSalt = "x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D9973B0F7B1D0A35C1FA9F56E5D3F2A1B0C'"
)

var cipherCases = []cipherCase{
	{name: "v3", major: 3, preset: "sqlcipher3", keySQL: "'correct horse'", keyFile: "correct horse\n"},
	{name: "v4", major: 4, preset: "sqlcipher4", keySQL: "'correct horse'", keyFile: "correct horse\n"},
	{name: "wcdb1", major: 3, preset: "wcdb1", keySQL: "'wechat'", keyFile: "wechat", pragmas: []string{"PRAGMA cipher_page_size = 4096"}},
	{name: "v4-raw-key", major: 4, preset: "sqlcipher4", keySQL: `"` + testRawKey + `"`, keyFile: testRawKey + "\n"},
}

// buildCipherDB makes a database with real SQLCipher and returns its path
// and its rows per table as SQLCipher reads them.
func buildCipherDB(t *testing.T, tc cipherCase, rows int) (string, map[string][][]any) {
	t.Helper()
	tool := ciphertest.Find(t, tc.major)
	path := filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, path, tc.keySQL, tc.pragmas, ciphertest.MessengerSQL(rows))
	want := tool.Tables(t, path, tc.keySQL, tc.pragmas, ciphertest.MessengerTables)
	if len(want["messages"]) < rows/2 {
		t.Fatalf("SQLCipher wrote %d messages, want about %d", len(want["messages"]), rows)
	}
	return path, want
}

func mustKey(t testing.TB, s string) *pagefile.CipherKey {
	t.Helper()
	k, err := pagefile.ParseCipherKey([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustPreset(t testing.TB, name string) pagefile.CipherParams {
	t.Helper()
	p, ok := pagefile.CipherPreset(name)
	if !ok {
		t.Fatalf("no preset %q", name)
	}
	return p
}

// openEncrypted derives the cipher of the file at path as tc wrote it and
// opens the file through it; the file is closed when the test ends.
func openEncrypted(t *testing.T, path string, tc cipherCase) (*pagefile.Cipher, *pagefile.File) {
	t.Helper()
	c, _, err := pagefile.OpenCipher(path, mustKey(t, tc.keyFile), mustPreset(t, tc.preset), false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pagefile.Open(path, pagefile.Options{Cipher: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return c, f
}

// TestCipherReadsSQLCipherFiles decrypts files made by SQLCipher 3 and 4
// (default, WCDB 1 and raw-key settings): every page verifies, and SQLite
// reading the decrypted pages sees exactly the rows SQLCipher sees.
func TestCipherReadsSQLCipherFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range cipherCases {
		t.Run(tc.name, func(t *testing.T) {
			path, want := buildCipherDB(t, tc, 400)
			c, check, err := pagefile.OpenCipher(path, mustKey(t, tc.keyFile), mustPreset(t, tc.preset), false)
			if err != nil {
				t.Fatal(err)
			}
			if check.Verified == 0 || check.Failed != 0 {
				t.Fatalf("check %+v: want verified pages and no failure", check)
			}
			f, err := pagefile.Open(path, pagefile.Options{Cipher: c})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if !f.Header.Valid() || f.Geometry != mustPreset(t, tc.preset).Geometry() {
				t.Fatalf("header %v problems %v geometry %+v", f.Header, f.Header.Problems, f.Geometry)
			}
			plain := ciphertest.DecryptedCopy(t, f)
			if fails := pagefile.Decryption(f).Failures(); len(fails) != 0 {
				t.Fatalf("HMAC failures on an intact file: %v", fails)
			}
			for tab, rows := range want {
				if diff := cmp.Diff(rows, ciphertest.PlainRows(t, plain, tab)); diff != "" {
					t.Errorf("%s (-sqlcipher +decrypted):\n%s", tab, diff)
				}
			}
		})
	}
}

// TestCipherPlaintextHeader reads a SQLCipher 4 file whose first 32 bytes
// are left in clear (iOS apps in WAL mode): the salt is not in the file,
// the key carries it.
func TestCipherPlaintextHeader(t *testing.T) {
	t.Parallel()
	tc := cipherCase{major: 4, keySQL: `"` + testRawSalt + `"`, pragmas: []string{"PRAGMA cipher_plaintext_header_size = 32"}}
	path, want := buildCipherDB(t, tc, 200)
	head, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(head[:16]) != pagefile.Magic {
		t.Fatalf("SQLCipher left no plaintext header: %x", head[:16])
	}
	p := mustPreset(t, "sqlcipher4")
	p.PlaintextHeader = 32
	c, _, err := pagefile.OpenCipher(path, mustKey(t, testRawSalt), p, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pagefile.Open(path, pagefile.Options{Cipher: c})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	plain := ciphertest.DecryptedCopy(t, f)
	if diff := cmp.Diff(want["messages"], ciphertest.PlainRows(t, plain, "messages")); diff != "" {
		t.Errorf("messages (-sqlcipher +decrypted):\n%s", diff)
	}
}

// TestCipherWrongKey tells a wrong key from a damaged file, and finds the
// right preset when the one asked for is not the file's.
func TestCipherWrongKey(t *testing.T) {
	t.Parallel()
	path, _ := buildCipherDB(t, cipherCases[0], 100) // SQLCipher 3
	_, check, err := pagefile.OpenCipher(path, mustKey(t, "not the key"), mustPreset(t, "sqlcipher3"), true)
	if !errors.Is(err, pagefile.ErrWrongKey) || !strings.Contains(err.Error(), "wrong key or not this cipher's parameters") {
		t.Fatalf("wrong key: err %v", err)
	}
	if len(check.Tried) != len(pagefile.CipherPresets()) {
		t.Errorf("tried %v, want every preset", check.Tried)
	}
	if strings.Contains(err.Error(), "not the key") {
		t.Errorf("the error shows the key: %v", err)
	}
	c, check, err := pagefile.OpenCipher(path, mustKey(t, "correct horse"), mustPreset(t, "sqlcipher4"), true)
	if err != nil {
		t.Fatal(err)
	}
	if check.Params.Name != "sqlcipher3" || c.Params.PageSize != 1024 {
		t.Errorf("found %q (page size %d), want sqlcipher3; tried %v", check.Params.Name, c.Params.PageSize, check.Tried)
	}
	if _, _, err := pagefile.OpenCipher(path, mustKey(t, "correct horse"), mustPreset(t, "sqlcipher4"), false); !errors.Is(err, pagefile.ErrWrongKey) {
		t.Errorf("sqlcipher4 only: err %v, want ErrWrongKey", err)
	}
}

// TestCipherDamagedPage: a page damaged after SQLCipher wrote it fails its
// HMAC with a typed error naming it, is still decrypted (the blocks the
// damage missed are intact), and the key is still accepted.
func TestCipherDamagedPage(t *testing.T) {
	t.Parallel()
	path, _ := buildCipherDB(t, cipherCases[1], 300) // SQLCipher 4
	p := mustPreset(t, "sqlcipher4")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const victim = 3
	off := (victim-1)*p.PageSize + 1000
	b[off] ^= 0x40
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c, _, err := pagefile.OpenCipher(damaged, mustKey(t, "correct horse"), p, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pagefile.Open(damaged, pagefile.Options{Cipher: c})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.Page(victim)
	if err != nil {
		t.Fatalf("a damaged page must still be served: %v", err)
	}
	fails := pagefile.Decryption(f).Failures()
	if len(fails) != 1 {
		t.Fatalf("failures %v, want page %d alone", fails, victim)
	}
	var ce *pagefile.CorruptError
	if err := error(fails[0]); !errors.As(err, &ce) || ce.Pgno != victim || !errors.Is(err, pagefile.ErrHMAC) {
		t.Fatalf("failure %v: want a *CorruptError for page %d wrapping ErrHMAC", err, victim)
	}
	// The intact original decrypts to the same bytes outside the two
	// blocks CBC spreads the flipped bit over.
	orig, err := pagefile.Open(path, pagefile.Options{Cipher: c})
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	want, _ := orig.Page(victim)
	same := 0
	for i := range want {
		if want[i] == got[i] {
			same++
		}
	}
	if same < p.PageSize-32 {
		t.Errorf("%d of %d bytes survive decryption, want all but two blocks", same, p.PageSize)
	}
}

// TestCipherEncryptRoundTrip re-encrypts every decrypted page with
// EncryptPage (fresh IVs) and has SQLCipher read the result: every row is
// the same. This is what repair --encrypt-output relies on.
func TestCipherEncryptRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range cipherCases[:2] {
		t.Run(tc.name, func(t *testing.T) {
			tool := ciphertest.Find(t, tc.major)
			path, want := buildCipherDB(t, tc, 300)
			c, f := openEncrypted(t, path, tc)
			var out []byte
			enc := make([]byte, c.Params.PageSize)
			for pgno := uint32(1); pgno <= f.PageCount(); pgno++ {
				page, err := f.Page(pgno)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.EncryptPage(pgno, page, enc); err != nil {
					t.Fatal(err)
				}
				out = append(out, enc...)
			}
			again := filepath.Join(t.TempDir(), "again.db")
			if err := os.WriteFile(again, out, 0o644); err != nil {
				t.Fatal(err)
			}
			got := tool.Tables(t, again, tc.keySQL, tc.pragmas, ciphertest.MessengerTables)
			for tab, rows := range want {
				if diff := cmp.Diff(rows, got[tab]); diff != "" {
					t.Errorf("%s (-original +re-encrypted):\n%s", tab, diff)
				}
			}
		})
	}
}

// TestCipherWAL reads a SQLCipher database in WAL mode left as a crash
// leaves it: the committed frames, encrypted and checksummed over the
// ciphertext, are overlaid, and the rows are those SQLCipher sees.
func TestCipherWAL(t *testing.T) {
	t.Parallel()
	tc := cipherCases[1]
	tool := ciphertest.Find(t, tc.major)
	path := filepath.Join(t.TempDir(), "wal.db")
	tool.MustExec(t, path, tc.keySQL, []string{"PRAGMA journal_mode = WAL"}, ciphertest.MessengerSQL(150))
	if _, err := tool.Exec(path, tc.keySQL, []string{"PRAGMA wal_autocheckpoint = 0"},
		"UPDATE messages SET body = 'edited ' || id WHERE id % 5 = 0; INSERT INTO contacts(name) VALUES ('added in the WAL');", true); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("no WAL left: %v", err)
	}
	_, f := openEncrypted(t, path, tc)
	if f.WAL == nil || f.WAL.Committed == 0 {
		t.Fatalf("WAL not overlaid: %v", f.WALError())
	}
	plain := ciphertest.DecryptedCopy(t, f)
	// SQLCipher reads a copy: it would checkpoint the original's WAL.
	cp := filepath.Join(t.TempDir(), "copy.db")
	for _, sfx := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + sfx)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cp+sfx, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := tool.Tables(t, cp, tc.keySQL, nil, ciphertest.MessengerTables)
	for _, tab := range ciphertest.MessengerTables {
		if diff := cmp.Diff(want[tab], ciphertest.PlainRows(t, plain, tab)); diff != "" {
			t.Errorf("%s (-sqlcipher +decrypted):\n%s", tab, diff)
		}
	}
}
