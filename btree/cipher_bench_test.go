package btree_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// BenchmarkReadEverythingEncrypted is BenchmarkReadEverything on the same
// database encrypted as SQLCipher lays it out (4096-byte pages, 80 reserved
// bytes: SQLCipher 4), read through the decrypting source, beside the
// plain file with the same geometry: what decryption and the HMAC check
// cost the parse half of a repair. Key derivation is not in the loop (a
// raw key); BenchmarkCipherKeyDerivation in pagefile measures it.
func BenchmarkReadEverythingEncrypted(b *testing.B) {
	for _, preset := range []string{"sqlcipher4", "sqlcipher3"} {
		p, _ := pagefile.CipherPreset(preset)
		c := testdb.Config{PageSize: p.PageSize, Reserved: p.Reserve(), Encoding: 1, AutoVacuum: "none", Rows: 20000, Seed: 9}
		plain, err := testdb.Build(context.Background(), b.TempDir(), c)
		if err != nil {
			b.Fatal(err)
		}
		key, err := pagefile.ParseCipherKey([]byte("x'" + strings.Repeat("a5", 32) + "'"))
		if err != nil {
			b.Fatal(err)
		}
		ci, err := pagefile.NewCipher(key, p, bytes.Repeat([]byte{0x11}, 16))
		if err != nil {
			b.Fatal(err)
		}
		enc := encryptCopy(b, plain, ci)
		for _, run := range []struct {
			name string
			path string
			opts pagefile.Options
		}{{preset + "/plain", plain, pagefile.Options{}}, {preset + "/encrypted", enc, pagefile.Options{Cipher: ci}}} {
			b.Run(run.name, func(b *testing.B) {
				st, err := os.Stat(run.path)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(st.Size())
				b.ResetTimer()
				for b.Loop() {
					if n := readEverything(b, run.path, run.opts); n == 0 {
						b.Fatal("no records read")
					}
				}
			})
		}
	}
}

// encryptCopy writes the database at path encrypted page by page with c.
func encryptCopy(b *testing.B, path string, c *pagefile.Cipher) string {
	plain, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	ps := c.Params.PageSize
	enc := make([]byte, len(plain))
	for off := 0; off+ps <= len(plain); off += ps {
		if err := c.EncryptPage(uint32(off/ps)+1, plain[off:off+ps], enc[off:off+ps]); err != nil {
			b.Fatal(err)
		}
	}
	out := filepath.Join(b.TempDir(), "enc.db")
	if err := os.WriteFile(out, enc, 0o644); err != nil {
		b.Fatal(err)
	}
	return out
}
