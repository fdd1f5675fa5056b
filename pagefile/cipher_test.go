package pagefile_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/pagefile"
)

func TestCipherPresets(t *testing.T) {
	tests := []struct {
		name     string
		pageSize int
		reserve  int
		kdfIter  int
	}{
		{"sqlcipher4", 4096, 80, 256000},
		{"sqlcipher3", 1024, 48, 64000},
		{"sqlcipher2", 1024, 48, 4000},
		{"sqlcipher1", 1024, 16, 4000},
		{"wcdb1", 4096, 48, 64000},
		{"WCDB2", 4096, 80, 256000},
	}
	for _, tt := range tests {
		p, ok := pagefile.CipherPreset(tt.name)
		if !ok {
			t.Fatalf("no preset %q", tt.name)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if p.PageSize != tt.pageSize || p.Reserve() != tt.reserve || p.KDFIter != tt.kdfIter {
			t.Errorf("%s: page %d reserve %d iter %d, want %d %d %d", tt.name, p.PageSize, p.Reserve(), p.KDFIter, tt.pageSize, tt.reserve, tt.kdfIter)
		}
	}
	if _, ok := pagefile.CipherPreset("rot13"); ok {
		t.Error("unknown preset accepted")
	}
	bad := []pagefile.CipherParams{
		{PageSize: 1000, KDFIter: 1, KDF: pagefile.SHA1, HMAC: pagefile.SHA1, UseHMAC: true},
		{PageSize: 1024, KDFIter: 0, KDF: pagefile.SHA1},
		{PageSize: 1024, KDFIter: 1, KDF: "MD5"},
		{PageSize: 1024, KDFIter: 1, KDF: pagefile.SHA1, PlaintextHeader: 20},
	}
	for _, p := range bad {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

func TestParseCipherKey(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	tests := []struct {
		in          string
		raw, salted bool
		err         bool
	}{
		{"secret\n", false, false, false},
		{"secret\r\n", false, false, false},
		{" spaces count ", false, false, false},
		{"x'" + hex64 + "'", true, false, false},
		{"X'" + hex64 + "'\n", true, false, false},
		{"x'" + hex64 + strings.Repeat("cd", 16) + "'", true, true, false},
		{"x'" + hex64[:62] + "'", false, false, false}, // too short: a passphrase, as SQLCipher takes it
		{"x'" + hex64[:62] + "zz'", false, false, false},
		{"\n", false, false, true},
		{"", false, false, true},
	}
	for _, tt := range tests {
		k, err := pagefile.ParseCipherKey([]byte(tt.in))
		if (err != nil) != tt.err {
			t.Errorf("%q: err %v", tt.in, err)
			continue
		}
		if err != nil {
			continue
		}
		if k.Raw() != tt.raw || k.HasSalt() != tt.salted {
			t.Errorf("%q: raw %v salted %v", tt.in, k.Raw(), k.HasSalt())
		}
		for _, s := range []string{k.String(), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
			if strings.Contains(s, "secret") || strings.Contains(s, "abab") || strings.Contains(s, "spaces") {
				t.Errorf("%q: formatting shows the key: %s", tt.in, s)
			}
		}
	}
}

// testCipher is a cipher over fast parameters (a raw key needs no PBKDF2).
func testCipher(t testing.TB, p pagefile.CipherParams, salt []byte) *pagefile.Cipher {
	t.Helper()
	k := mustKey(t, "x'"+strings.Repeat("5a", 32)+"'")
	c, err := pagefile.NewCipher(k, p, salt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCipherPageRoundTrip: what EncryptPage writes DecryptPage reads back,
// on page 1 (salt or plaintext header kept) and others, and a changed
// byte anywhere in the covered area, the IV or the HMAC fails it.
func TestCipherPageRoundTrip(t *testing.T) {
	salt := bytes.Repeat([]byte{7}, 16)
	for _, name := range []string{"sqlcipher4", "sqlcipher3", "sqlcipher1"} {
		for _, header := range []int{0, 32} {
			p := mustPreset(t, name)
			p.PlaintextHeader = header
			c := testCipher(t, p, salt)
			for _, pgno := range []uint32{1, 2, 77} {
				plain := make([]byte, p.PageSize)
				rand.Read(plain[:p.PageSize-p.Reserve()])
				copy(plain, pagefile.Magic)
				enc := make([]byte, p.PageSize)
				if err := c.EncryptPage(pgno, plain, enc); err != nil {
					t.Fatal(err)
				}
				if pgno == 1 && header == 0 && !bytes.Equal(enc[:16], salt) {
					t.Errorf("%s page 1 does not start with the salt", name)
				}
				dec := make([]byte, p.PageSize)
				if err := c.DecryptPage(pgno, enc, dec); err != nil {
					t.Fatalf("%s header %d page %d: %v", name, header, pgno, err)
				}
				want := bytes.Clone(plain)
				clear(want[p.PageSize-p.Reserve():])
				if !bytes.Equal(dec, want) {
					t.Errorf("%s header %d page %d: round trip differs", name, header, pgno)
				}
				if !p.UseHMAC {
					continue
				}
				for _, off := range []int{header + 16, p.PageSize - p.Reserve(), p.PageSize - p.Reserve() + 20} {
					bad := bytes.Clone(enc)
					bad[off] ^= 1
					err := c.DecryptPage(pgno, bad, dec)
					var ce *pagefile.CorruptError
					if !errors.As(err, &ce) || ce.Pgno != pgno || !errors.Is(err, pagefile.ErrHMAC) {
						t.Errorf("%s page %d byte %d changed: err %v", name, pgno, off, err)
					}
				}
				// The same bytes as another page fail too: the HMAC covers
				// the page number.
				if err := c.DecryptPage(pgno+1, enc, dec); pgno != 1 && !errors.Is(err, pagefile.ErrHMAC) {
					t.Errorf("%s page %d read as page %d: err %v", name, pgno, pgno+1, err)
				}
			}
		}
	}
}

// TestCipherZeroPage: an all-zero page decrypts to zeros, as a zeroed
// page of a plain file reads.
func TestCipherZeroPage(t *testing.T) {
	p := mustPreset(t, "sqlcipher4")
	c := testCipher(t, p, bytes.Repeat([]byte{1}, 16))
	dst := bytes.Repeat([]byte{9}, p.PageSize)
	if err := c.DecryptPage(5, make([]byte, p.PageSize), dst); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dst, make([]byte, p.PageSize)) {
		t.Error("zero page did not decrypt to zeros")
	}
}

// TestCipherUnknownSalt: a passphrase needs the salt; a raw key decrypts
// without it, unverified.
func TestCipherUnknownSalt(t *testing.T) {
	p := mustPreset(t, "sqlcipher3")
	if _, err := pagefile.NewCipher(mustKey(t, "pass"), p, nil); !errors.Is(err, pagefile.ErrNoSalt) {
		t.Errorf("passphrase without salt: err %v", err)
	}
	c := testCipher(t, p, nil)
	if c.Verified {
		t.Error("a cipher without salt claims to verify HMACs")
	}
	if err := c.EncryptPage(2, make([]byte, p.PageSize), make([]byte, p.PageSize)); err == nil {
		t.Error("encrypting without the salt should fail: the HMAC key is unknown")
	}
}

func TestCipherZeroWipesKeys(t *testing.T) {
	p := mustPreset(t, "sqlcipher3")
	c := testCipher(t, p, bytes.Repeat([]byte{3}, 16))
	c.Zero()
	if err := c.DecryptPage(2, make([]byte, p.PageSize), make([]byte, p.PageSize)); err == nil {
		t.Error("a zeroed cipher still decrypts")
	}
	k := mustKey(t, "secret")
	k.Zero()
	if _, err := pagefile.NewCipher(k, p, bytes.Repeat([]byte{3}, 16)); !errors.Is(err, pagefile.ErrEmptyKey) {
		t.Errorf("zeroed key: err %v", err)
	}
}
