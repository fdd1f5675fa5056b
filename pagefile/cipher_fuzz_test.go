package pagefile_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/ciphertest"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// fuzzCipherKey is the raw key of the FuzzDecrypt seeds: a raw key needs
// no PBKDF2, so every execution is cheap.
var fuzzCipherKey = "x'" + strings.Repeat("3c", 32) + "'"

// FuzzDecrypt reads arbitrary bytes as a SQLCipher 3 database and its WAL
// under a fixed key: deriving the cipher (salt from the file or the WAL,
// the key checked on sample pages), opening the file through it and
// reading every page must never panic, and a failure must be typed.
// Seeds: testdata/fuzz/FuzzDecrypt, real SQLCipher files (see
// TestUpdateCipherSeeds).
func FuzzDecrypt(f *testing.F) {
	key := mustKey(f, fuzzCipherKey)
	p := mustPreset(f, "sqlcipher3")
	f.Fuzz(func(t *testing.T, db, wal []byte) {
		var walR *bytes.Reader
		if len(wal) > 0 {
			walR = bytes.NewReader(wal)
		}
		c, check, err := pagefile.DeriveCipher(bytes.NewReader(db), int64(len(db)), readerOrNil(walR), int64(len(wal)), key, p, false)
		if err != nil {
			if !errors.Is(err, pagefile.ErrWrongKey) {
				t.Fatalf("DeriveCipher: %v", err)
			}
			return
		}
		if check.Sampled == 0 || check.Verified == 0 {
			t.Fatalf("accepted with nothing verified: %+v", check)
		}
		fl, err := pagefile.New(bytes.NewReader(db), int64(len(db)), readerOrNil(walR), int64(len(wal)), pagefile.Options{Cipher: c})
		if err != nil {
			return
		}
		buf := make([]byte, fl.Geometry.PageSize)
		for pgno := uint32(1); pgno <= min(fl.PageCount(), 256); pgno++ {
			if err := fl.ReadPage(pgno, buf); err != nil {
				var ce *pagefile.CorruptError
				if !errors.As(err, &ce) {
					t.Fatalf("page %d: %T %v", pgno, err, err)
				}
			}
		}
		for _, e := range pagefile.Decryption(fl).Failures() {
			if e.Pgno == 0 || !errors.Is(e, pagefile.ErrHMAC) {
				t.Fatalf("failure %v", e)
			}
		}
		_ = fl.Freelist()
	})
}

// readerOrNil keeps a nil *bytes.Reader from becoming a non-nil
// io.ReaderAt.
func readerOrNil(r *bytes.Reader) interface {
	ReadAt([]byte, int64) (int, error)
} {
	if r == nil {
		return nil
	}
	return r
}

// TestUpdateCipherSeeds rewrites testdata/fuzz/FuzzDecrypt with -update-seeds
// from databases real SQLCipher 3 writes under fuzzCipherKey: a closed
// file, and a WAL left by a crash.
func TestUpdateCipherSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite testdata/fuzz/FuzzDecrypt")
	}
	tool := ciphertest.Find(t, 3)
	dir := filepath.Join("testdata", "fuzz", "FuzzDecrypt")
	keySQL := `"` + fuzzCipherKey + `"`
	closed := filepath.Join(t.TempDir(), "closed.db")
	tool.MustExec(t, closed, keySQL, nil, ciphertest.MessengerSQL(12))
	wal := filepath.Join(t.TempDir(), "wal.db")
	tool.MustExec(t, wal, keySQL, []string{"PRAGMA journal_mode = WAL"}, ciphertest.MessengerSQL(8))
	if _, err := tool.Exec(wal, keySQL, nil, "UPDATE contacts SET name = 'x' WHERE id < 5;", true); err != nil {
		t.Fatal(err)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	db, w := read(closed), read(wal)
	zeroSalt := bytes.Clone(read(wal))
	clear(zeroSalt[:16])
	for name, args := range map[string][]any{
		"closed":        {db, []byte{}},
		"wal":           {w, read(wal + "-wal")},
		"salt-in-wal":   {zeroSalt, read(wal + "-wal")},
		"truncated":     {db[:len(db)/2+100], []byte{}},
		"short":         {db[:40], []byte{}},
		"page1-garbage": {append(bytes.Repeat([]byte{0xa5}, 1024), db[1024:]...), []byte{}},
	} {
		if err := testdb.WriteSeed(dir, name, args...); err != nil {
			t.Fatal(err)
		}
	}
}
