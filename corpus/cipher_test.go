package corpus

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/pagefile"
)

// encryptedCorpusDB is a corpus database at SQLCipher 4's geometry,
// encrypted page by page with a raw key, and its cipher.
func encryptedCorpusDB(t *testing.T) (plainPath, encPath string, c *pagefile.Cipher) {
	t.Helper()
	p, _ := pagefile.CipherPreset("sqlcipher4")
	db := sharedDB(t, Spec{Seed: 3, PageSize: p.PageSize, Reserved: p.Reserve(), Encoding: UTF8, AutoVacuum: "none", Deletes: true})
	key, err := pagefile.ParseCipherKey([]byte("x'" + strings.Repeat("6b", 32) + "'"))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = pagefile.NewCipher(key, p, bytes.Repeat([]byte{0x5c}, 16)); err != nil {
		t.Fatal(err)
	}
	plain := readFile(t, db.Path)
	enc := make([]byte, len(plain))
	ps := p.PageSize
	for off := 0; off < len(plain); off += ps {
		if err := c.EncryptPage(uint32(off/ps)+1, plain[off:off+ps], enc[off:off+ps]); err != nil {
			t.Fatal(err)
		}
	}
	encPath = filepath.Join(t.TempDir(), "enc.db")
	if err := os.WriteFile(encPath, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	return db.Path, encPath, c
}

// TestCorruptEncrypted: device damage lands on the stored bytes (zeros
// stay zeros, garbage and flipped bits fail the page's HMAC, swapped pages
// are the other page's stored bytes), logical damage is encrypted again
// with a valid HMAC, and the decrypted result of a logical kind is exactly
// what Corrupt makes of the plain file; the input is never changed.
func TestCorruptEncrypted(t *testing.T) {
	plainPath, encPath, c := encryptedCorpusDB(t)
	ps := c.Params.PageSize
	before := fileSum(t, encPath)
	for _, tt := range []struct {
		kind   Kind
		target Target
	}{{ZeroPage, TargetLeaf}, {GarbagePage, TargetLeaf}, {ByteFlips, ""}, {SwapPages, ""}, {OverflowLoop, ""}, {Truncate, ""}} {
		t.Run(string(tt.kind), func(t *testing.T) {
			dir := t.TempDir()
			cor := Corruption{Kind: tt.kind, Target: tt.target, Seed: 5}
			encOut, plainOut := filepath.Join(dir, "enc.db"), filepath.Join(dir, "plain.db")
			d, err := CorruptEncrypted(context.Background(), encPath, encOut, cor, c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Corrupt(context.Background(), plainPath, plainOut, cor); err != nil {
				t.Fatal(err)
			}
			f, err := pagefile.Open(encOut, pagefile.Options{Cipher: c})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			stored, damaged := readFile(t, encOut), readFile(t, plainOut)
			if len(stored) != len(damaged) {
				t.Fatalf("encrypted output %d bytes, plain %d", len(stored), len(damaged))
			}
			dec := make([]byte, ps)
			for _, pg := range d.Pages {
				off := int(pg.Pgno-1) * ps
				if off+ps > len(stored) {
					continue
				}
				err := c.DecryptPage(pg.Pgno, stored[off:off+ps], dec)
				switch tt.kind {
				case ZeroPage:
					if !allZeros(stored[off : off+ps]) {
						t.Errorf("page %d not zeroed as stored", pg.Pgno)
					}
				case GarbagePage, ByteFlips, SwapPages:
					if !errors.Is(err, pagefile.ErrHMAC) {
						t.Errorf("page %d: err %v, want an HMAC failure", pg.Pgno, err)
					}
				case OverflowLoop:
					want := bytes.Clone(damaged[off : off+ps])
					clear(want[ps-c.Params.Reserve():])
					if err != nil || !bytes.Equal(dec, want) {
						t.Errorf("page %d: err %v, decrypted equal to the plain damage: %v", pg.Pgno, err, bytes.Equal(dec, want))
					}
				}
			}
			if len(d.Pages) == 0 && tt.kind != Truncate {
				t.Error("no page damaged")
			}
		})
	}
	if fileSum(t, encPath) != before {
		t.Error("the input changed")
	}
}

func TestCorruptEncryptedRefusesWAL(t *testing.T) {
	_, encPath, c := encryptedCorpusDB(t)
	_, err := CorruptEncrypted(context.Background(), encPath, filepath.Join(t.TempDir(), "o.db"), Corruption{Kind: WALFrameDamaged}, c)
	if !errors.Is(err, ErrBadOption) {
		t.Errorf("err %v, want ErrBadOption", err)
	}
}
