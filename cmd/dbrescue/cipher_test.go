package main

import (
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/ciphertest"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/recover"
)

const testPassphrase = "tr0ub4dor&3 secret"

// encryptedApp is a database SQLCipher 4 wrote, in a directory of its own,
// with a key file elsewhere.
func encryptedApp(t *testing.T) (tool ciphertest.Tool, db, keyFile string) {
	t.Helper()
	tool = ciphertest.Find(t, 4)
	db = filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, db, "'"+testPassphrase+"'", nil, ciphertest.MessengerSQL(300))
	keyFile = filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testPassphrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return tool, db, keyFile
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestRepairEncryptedCLI: repair --key-file --encrypt-output writes a file
// SQLCipher opens with the same key, every row identical; nothing appears
// beside the input, the input is unchanged, and the key is in no output.
func TestRepairEncryptedCLI(t *testing.T) {
	t.Parallel()
	tool, db, keyFile := encryptedApp(t)
	want := tool.Tables(t, db, "'"+testPassphrase+"'", nil, ciphertest.MessengerTables)
	before, listing := testdb.FileSHA256(t, db), dirNames(t, filepath.Dir(db))
	out := filepath.Join(t.TempDir(), "fixed.db")
	r := runApp(t, "repair", db, "--key-file", keyFile, "--encrypt-output", "-o", out).mustSucceed(t)
	got := tool.Tables(t, out, "'"+testPassphrase+"'", nil, ciphertest.MessengerTables)
	for tab := range want {
		if diff := cmp.Diff(want[tab], got[tab]); diff != "" {
			t.Errorf("%s (-original +repaired):\n%s", tab, diff)
		}
	}
	if testdb.FileSHA256(t, db) != before || !slices.Equal(dirNames(t, filepath.Dir(db)), listing) {
		t.Error("the input or its directory changed")
	}
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, "tr0ub4dor") {
			t.Errorf("the key appears in the output:\n%s", s)
		}
	}
	if !strings.Contains(r.stdout, "output encrypted with the same key") {
		t.Errorf("report does not say the output is encrypted:\n%s", r.stdout)
	}
}

// TestRepairEncryptedFromEnv: the key can come from DBRESCUE_KEY; the
// plaintext output is announced.
func TestRepairEncryptedFromEnv(t *testing.T) {
	_, db, _ := encryptedApp(t)
	t.Setenv(keyEnv, testPassphrase)
	out := filepath.Join(t.TempDir(), "plain.db")
	r := runApp(t, "repair", db, "-o", out).mustSucceed(t)
	if !strings.Contains(r.stdout, "OUTPUT IS PLAINTEXT") || !strings.Contains(r.stdout, "output is NOT") {
		t.Errorf("no plaintext warning:\n%s", r.stdout)
	}
	if n := sqliteInt(t, out, "SELECT count(*) FROM contacts"); n != 40 {
		t.Errorf("%d contacts, want 40", n)
	}
}

// TestCipherUsageErrors: bad flag values exit 2, a wrong key exits 1 with
// the words the issue asks for.
func TestCipherUsageErrors(t *testing.T) {
	t.Parallel()
	_, db, keyFile := encryptedApp(t)
	out := filepath.Join(t.TempDir(), "o.db")
	if r := runApp(t, "repair", db, "--key-file", keyFile, "--cipher", "rot13", "-o", out); r.code != exitUsage {
		t.Errorf("--cipher rot13: exit %d", r.code)
	}
	plain := newSampleDB(t)
	if r := runApp(t, "repair", plain, "--encrypt-output", "-o", out); r.code != exitUsage {
		t.Errorf("--encrypt-output without a key: exit %d\n%s", r.code, r.stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("not it"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, "inspect", db, "--key-file", bad)
	if r.code != exitFailure || !strings.Contains(r.stderr, "wrong key or not this cipher's parameters") || strings.Contains(r.stderr, "not it") {
		t.Errorf("wrong key: exit %d\n%s", r.code, r.stderr)
	}
}

// TestDecryptBackup: a page-level backup of an encrypted database holds
// its encrypted pages and a manifest of their CRCs; the repair reads them
// decrypted and verifies them as stored.
func TestDecryptBackup(t *testing.T) {
	t.Parallel()
	_, db, keyFile := encryptedApp(t)
	stored, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	key, err := readKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := pagefile.CipherPreset("sqlcipher4")
	c, _, err := pagefile.OpenCipher(db, key, p, false)
	if err != nil {
		t.Fatal(err)
	}
	ps := p.PageSize
	crcs := map[uint32]uint32{}
	for off := 0; off < len(stored); off += ps {
		crcs[uint32(off/ps)+1] = crc32.ChecksumIEEE(stored[off : off+ps])
	}
	stored[2*ps+100] ^= 1 // page 3 damaged since the manifest was written
	src, err := pagefile.NewBytesSource(stored, ps)
	if err != nil {
		t.Fatal(err)
	}
	bp := &recover.BackupPages{Source: src, Verify: func(pgno uint32, page []byte) bool { return crc32.ChecksumIEEE(page) == crcs[pgno] }}
	if err := decryptBackup(bp, c); err != nil {
		t.Fatal(err)
	}
	page := make([]byte, ps)
	if err := bp.Source.ReadPage(1, page); err != nil || string(page[:16]) != pagefile.Magic {
		t.Fatalf("page 1 not decrypted: %v %q", err, page[:16])
	}
	if !bp.Verify(1, page) {
		t.Error("intact page 1 does not verify")
	}
	_ = bp.Source.ReadPage(3, page)
	if bp.Verify(3, page) {
		t.Error("damaged page 3 verifies")
	}
}

func readKeyFile(path string) (*pagefile.CipherKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return pagefile.ParseCipherKey(b)
}

// TestRepairEncryptedPage1ZeroedWithMeta: a metadata backup taken with the
// key records the salt, so a file whose page 1 (salt and all) was zeroed
// opens again with the key, and the repair puts every row back, as for a
// plain file.
func TestRepairEncryptedPage1ZeroedWithMeta(t *testing.T) {
	t.Parallel()
	tool, db, keyFile := encryptedApp(t)
	want := tool.Tables(t, db, "'"+testPassphrase+"'", nil, ciphertest.MessengerTables)
	meta := filepath.Join(t.TempDir(), "app.meta")
	runApp(t, "metabackup", db, "--key-file", keyFile, "-o", meta).mustSucceed(t)
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	clear(b[:4096])
	broken := filepath.Join(t.TempDir(), "broken.db")
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runApp(t, "repair", broken, "--key-file", keyFile, "-o", filepath.Join(t.TempDir(), "x.db")); r.code != exitFailure || !strings.Contains(r.stderr, "salt is unknown") {
		t.Fatalf("without the metadata backup: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "fixed.db")
	runApp(t, "repair", broken, "--key-file", keyFile, "--meta", meta, "-o", out).mustSucceed(t)
	for tab := range want {
		if diff := cmp.Diff(want[tab], ciphertest.PlainRows(t, out, tab)); diff != "" {
			t.Errorf("%s (-original +repaired):\n%s", tab, diff)
		}
	}
}

// TestInspectEncrypted: inspect reads an encrypted database through its
// key and names, in its JSON report, the page whose HMAC fails.
func TestInspectEncrypted(t *testing.T) {
	t.Parallel()
	_, db, keyFile := encryptedApp(t)
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	b[3*4096+1234] ^= 0x20 // page 4
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, "inspect", damaged, "--key-file", keyFile, "--json").mustSucceed(t)
	var rep struct {
		Geometry   struct{ Source string }
		Encryption struct {
			Authenticated   bool
			HMACFailedPages []uint32 `json:"hmac_failed_pages"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Geometry.Source != "cipher" || !rep.Encryption.Authenticated || !slices.Equal(rep.Encryption.HMACFailedPages, []uint32{4}) {
		t.Errorf("geometry from %q, encryption %+v", rep.Geometry.Source, rep.Encryption)
	}
}
