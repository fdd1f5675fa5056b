package pagefile_test

import (
	"bytes"
	"testing"

	"github.com/dbrescue/dbrescue/pagefile"
)

// BenchmarkCipherKeyDerivation is the cost paid once per run for a
// passphrase: PBKDF2 with the preset's iterations, then the HMAC key.
func BenchmarkCipherKeyDerivation(b *testing.B) {
	salt := bytes.Repeat([]byte{0x42}, 16)
	for _, name := range []string{"sqlcipher4", "sqlcipher3"} {
		p := mustPreset(b, name)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := pagefile.NewCipher(mustKey(b, "correct horse battery staple"), p, salt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecryptPage is one page's decryption with its HMAC check; MB/s
// is of the stored page.
func BenchmarkDecryptPage(b *testing.B) {
	for _, name := range []string{"sqlcipher4", "sqlcipher3"} {
		p := mustPreset(b, name)
		c := testCipher(b, p, bytes.Repeat([]byte{0x42}, 16))
		src, enc, dst := make([]byte, p.PageSize), make([]byte, p.PageSize), make([]byte, p.PageSize)
		if err := c.EncryptPage(7, src, enc); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(p.PageSize))
			for b.Loop() {
				if err := c.DecryptPage(7, enc, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
