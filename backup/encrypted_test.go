package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// encryptedManifest is the manifest of a 3-page encrypted backup.
func encryptedManifest() *Manifest {
	m := &Manifest{PageSize: 4096, PageCount: 3, CRCs: []uint32{7, 8, 9}}
	m.Snapshot = Snapshot{CapturedAt: 1, Digest: digest(m.CRCs), JournalMode: "wal", Source: "/x/app.db", Encrypted: true}
	return m
}

// encryptedManifestSeeds are FuzzDecodeManifest's seeds for flag 1: an
// encrypted manifest, and one that carries metadata all the same (refused).
func encryptedManifestSeeds() map[string][]byte {
	withMeta := encryptedManifest()
	withMeta.Meta = []byte("metadata")
	return map[string][]byte{"encrypted": EncodeManifest(encryptedManifest()), "encrypted-with-meta": EncodeManifest(withMeta)}
}

// TestEncryptedManifest: flag 1 round-trips, an encrypted manifest that
// carries metadata and an unknown flag are refused, and a manifest
// without the flag (every manifest written before it) reads as before.
func TestEncryptedManifest(t *testing.T) {
	m := encryptedManifest()
	b := EncodeManifest(m)
	if binary.BigEndian.Uint16(b[10:]) != manifestEncrypted {
		t.Fatalf("flags %#x", binary.BigEndian.Uint16(b[10:]))
	}
	got, err := DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got, cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if meta, err := manifestMeta(got); meta != nil || err != nil {
		t.Errorf("metadata of an encrypted manifest: %v, %v", meta, err)
	}
	seeds := encryptedManifestSeeds()
	var fe *FormatError
	if _, err := DecodeManifest(seeds["encrypted-with-meta"]); !errors.As(err, &fe) || !errors.Is(err, pagefile.ErrBadValue) {
		t.Errorf("encrypted manifest with metadata: %v", err)
	}
	plain := *m
	plain.Snapshot.Encrypted = false
	if got, err := DecodeManifest(EncodeManifest(&plain)); err != nil || got.Snapshot.Encrypted {
		t.Errorf("manifest without the flag: %+v, %v", got, err)
	}
	old, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzDecodeManifest", "wal"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeManifest(seedBytes(t, old)); err != nil || got.Snapshot.Encrypted {
		t.Errorf("a manifest written before the flag: %v", err)
	}
}

// seedBytes decodes a "go test fuzz v1" file of one []byte.
func seedBytes(t *testing.T, file []byte) []byte {
	t.Helper()
	_, rest, _ := bytes.Cut(file, []byte("[]byte("))
	s, err := strconv.Unquote(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(")"))))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// walHeaderFor is a valid WAL header for pages of ps bytes.
func walHeaderFor(ps int) []byte {
	h := make([]byte, pagefile.WALHeaderSize)
	be := binary.BigEndian
	be.PutUint32(h[0:], 0x377f0682)
	be.PutUint32(h[4:], 3007000)
	be.PutUint32(h[8:], uint32(ps))
	be.PutUint32(h[16:], 0x11111111)
	s0, s1 := pagefile.WALChecksum(0, 0, false, h[:24])
	be.PutUint32(h[24:], s0)
	be.PutUint32(h[28:], s1)
	return h
}

// TestEncGeometry: the page size of an encrypted file without the key:
// the WAL header's, else the cipher parameters', else 4096, and the file
// must be a whole number of such pages.
func TestEncGeometry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     int64
		wal      []byte
		pageSize int
		want     int
		err      bool
	}{
		{"default", 8 * 4096, nil, 0, 4096, false},
		{"preset", 8 * 1024, nil, 1024, 1024, false},
		{"wal header", 3 * 1024, walHeaderFor(1024), 0, 1024, false},
		{"wal header and preset agree", 3 * 1024, walHeaderFor(1024), 1024, 1024, false},
		{"wal header and preset disagree", 3 * 4096, walHeaderFor(1024), 4096, 0, true},
		{"damaged wal header ignored", 8 * 4096, make([]byte, 32), 0, 4096, false},
		{"not whole pages", 3*4096 + 1024, nil, 0, 0, true},
		{"empty", 0, nil, 0, 0, true},
		{"empty with a WAL", 0, walHeaderFor(4096), 0, 4096, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, _, err := encGeometry(bytes.NewReader(nil), tc.size, tc.wal, &Encryption{PageSize: tc.pageSize})
			if tc.err {
				if !errors.Is(err, ErrPageSize) {
					t.Errorf("got %+v, %v; want ErrPageSize", g, err)
				}
				return
			}
			if err != nil || g.PageSize != tc.want {
				t.Errorf("got %+v, %v; want page size %d", g, err, tc.want)
			}
		})
	}
}

// randomDB writes pages of random bytes, which package sniff takes for an
// encrypted database, at dir/app.db.
func randomDB(t *testing.T, dir string, pages int) string {
	t.Helper()
	b := make([]byte, pages*4096)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.db")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEncryptedWithoutSQLCipher: what needs no SQLCipher build: a file
// that looks encrypted is backed up as ciphertext, verified and restored
// byte for byte; a journal whose first byte is not zero, with nobody
// holding RESERVED, is a hot journal and refused; a zeroed one
// (journal_mode=persist) is not. Nothing appears beside the input.
func TestEncryptedWithoutSQLCipher(t *testing.T) {
	dir := t.TempDir()
	src := randomDB(t, dir, 5)
	dst := filepath.Join(t.TempDir(), "b")
	res, err := Run(context.Background(), src, dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Snapshot.Encrypted || res.PageCount != 5 || res.Mode != ModeFull {
		t.Fatalf("%+v", res)
	}
	r, err := Verify(context.Background(), dst)
	if err != nil || !r.OK || r.IntegritySkipped != IntegrityNeedsKey {
		t.Fatalf("verify: %+v, %v", r, err)
	}
	out := filepath.Join(t.TempDir(), "r.db")
	rr, err := Restore(context.Background(), dst, out, RestoreOptions{})
	if err != nil || rr.IntegritySkipped != IntegrityNeedsKey {
		t.Fatalf("restore: %+v, %v", rr, err)
	}
	if sha(t, out) != sha(t, src) {
		t.Error("restored bytes differ")
	}
	bf, err := Open(dst)
	if err != nil || bf.Meta != nil {
		t.Fatalf("open: %v, meta %v", err, bf)
	}
	bf.Close()

	journal := src + "-journal"
	if err := os.WriteFile(journal, make([]byte, 512), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), src, dst, Options{}); err != nil {
		t.Errorf("a zeroed journal is not hot: %v", err)
	}
	hot := append([]byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}, make([]byte, 504)...)
	if err := os.WriteFile(journal, hot, 0o644); err != nil {
		t.Fatal(err)
	}
	before := sha(t, src)
	if _, err := Run(context.Background(), src, dst, Options{}); !errors.Is(err, ErrHotJournal) {
		t.Errorf("hot journal: %v", err)
	}
	if sha(t, src) != before || !bytes.Equal(testdb.ReadFile(t, journal), hot) {
		t.Error("the input or its journal changed")
	}
	if got := dirEntries(t, dir); !cmp.Equal(got, []string{"app.db", "app.db-journal"}) {
		t.Errorf("directory: %v", got)
	}
}
