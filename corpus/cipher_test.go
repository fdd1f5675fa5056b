package corpus

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
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
	encPath = filepath.Join(t.TempDir(), "enc.db")
	if err := EncryptDatabase(db.Path, encPath, c); err != nil {
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
			stored, damaged := testdb.ReadFile(t, encOut), testdb.ReadFile(t, plainOut)
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

// TestCorruptEncryptedWAL: on an encrypted database in WAL mode, the
// damage leaves the encrypted WAL verifying exactly as far as the plain
// one: the same frames read, the same commits, the same frames stepped
// over; and the pages read through it decrypt to what the plain damaged
// database holds.
func TestCorruptEncryptedWAL(t *testing.T) {
	p, _ := pagefile.CipherPreset("sqlcipher4")
	db := sharedDB(t, Spec{Seed: 4, PageSize: p.PageSize, Reserved: p.Reserve(), Encoding: UTF8, AutoVacuum: "none", WAL: true, Deletes: true})
	key, err := pagefile.ParseCipherKey([]byte("x'" + strings.Repeat("7e", 32) + "'"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := pagefile.NewCipher(key, p, bytes.Repeat([]byte{0x3d}, 16))
	if err != nil {
		t.Fatal(err)
	}
	encPath := filepath.Join(t.TempDir(), "enc.db")
	if err := EncryptDatabase(db.Path, encPath, c); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		kind   Kind
		target Target
	}{{WALFrameDamaged, ""}, {WALSaltMismatch, ""}, {ZeroPage, TargetLeaf}, {OverflowCut, ""}} {
		t.Run(string(tt.kind), func(t *testing.T) {
			dir := t.TempDir()
			cor := Corruption{Kind: tt.kind, Target: tt.target, Seed: 2}
			encOut, plainOut := filepath.Join(dir, "enc.db"), filepath.Join(dir, "plain.db")
			if _, err := CorruptEncrypted(context.Background(), encPath, encOut, cor, c); err != nil {
				t.Fatal(err)
			}
			if _, err := Corrupt(context.Background(), db.Path, plainOut, cor); err != nil {
				t.Fatal(err)
			}
			ef, err := pagefile.Open(encOut, pagefile.Options{Cipher: c})
			if err != nil {
				t.Fatal(err)
			}
			defer ef.Close()
			pf, err := pagefile.Open(plainOut, pagefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			if ef.WAL == nil || pf.WAL == nil {
				t.Fatalf("WAL overlaid: encrypted %v (%v), plain %v (%v)", ef.WAL != nil, ef.WALError(), pf.WAL != nil, pf.WALError())
			}
			if len(ef.WAL.Frames) != len(pf.WAL.Frames) || ef.WAL.Committed != pf.WAL.Committed || len(ef.WAL.Skipped) != len(pf.WAL.Skipped) {
				t.Fatalf("encrypted WAL: %d frames, %d committed, %d skipped; plain: %d, %d, %d",
					len(ef.WAL.Frames), ef.WAL.Committed, len(ef.WAL.Skipped), len(pf.WAL.Frames), pf.WAL.Committed, len(pf.WAL.Skipped))
			}
			if ef.PageCount() != pf.PageCount() {
				t.Fatalf("%d pages encrypted, %d plain", ef.PageCount(), pf.PageCount())
			}
			failed := map[uint32]bool{}
			for pgno := uint32(1); pgno <= ef.PageCount(); pgno++ {
				ep, err1 := ef.Page(pgno)
				pp, err2 := pf.Page(pgno)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if pagefile.Decryption(ef).Failed(pgno) != nil {
					failed[pgno] = true
					continue
				}
				if !bytes.Equal(ep, pp) {
					t.Errorf("page %d decrypts to other bytes than the plain damage", pgno)
				}
			}
			if tt.kind == OverflowCut && len(failed) > 0 {
				t.Errorf("logical damage failed HMACs: %v", failed)
			}
		})
	}
}
