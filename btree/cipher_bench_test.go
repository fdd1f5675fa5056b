package btree_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/corpus"
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
		enc := filepath.Join(b.TempDir(), "enc.db")
		if err := corpus.EncryptDatabase(plain, enc, ci); err != nil {
			b.Fatal(err)
		}
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
