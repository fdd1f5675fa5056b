package backup

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeManifest decodes arbitrary bytes as a backup manifest. It must
// never panic or allocate beyond what the input can hold; anything it
// accepts must encode back to the same bytes. Seeds in
// testdata/fuzz/FuzzDecodeManifest come from TestUpdateManifestSeeds.
func FuzzDecodeManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeManifest(b)
		if err != nil {
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
			return
		}
		if uint64(m.PageCount)*4 > uint64(len(b)) {
			t.Fatalf("accepted %d CRCs from %d bytes", m.PageCount, len(b))
		}
		again := EncodeManifest(m)
		if string(again) != string(b) {
			t.Fatalf("re-encoding changed the manifest")
		}
		if m2, err := DecodeManifest(again); err != nil || !cmp.Equal(m, m2) {
			t.Fatalf("re-encoded manifest: %v", err)
		}
	})
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDecodeManifest")

func TestUpdateManifestSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite testdata/fuzz/FuzzDecodeManifest")
	}
	seeds := map[string][]byte{}
	for _, wal := range []bool{true, false} {
		dir := t.TempDir()
		src, _ := newDB(t, dir, wal, 40)
		dst := filepath.Join(dir, "app.db.backup")
		mustRun(t, src, dst, Options{})
		b, err := os.ReadFile(dst + ManifestSuffix)
		if err != nil {
			t.Fatal(err)
		}
		name := map[bool]string{true: "wal", false: "rollback"}[wal]
		seeds[name] = b
		seeds[name+"-truncated"] = b[:len(b)/2]
	}
	seeds["claims-many-pages"] = EncodeManifest(&Manifest{PageSize: 512, PageCount: 1 << 30})
	for name, b := range encryptedManifestSeeds() {
		seeds[name] = b
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeManifest")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		text := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestManifestRejectsHostileCounts: a manifest whose page count claims
// more CRCs than the file holds is refused before anything is allocated,
// even with a valid checksum.
func TestManifestRejectsHostileCounts(t *testing.T) {
	m := &Manifest{PageSize: 4096, PageCount: 3, CRCs: []uint32{1, 2, 3}}
	m.Snapshot.Digest = digest(m.CRCs)
	b := EncodeManifest(m)
	if _, err := DecodeManifest(b); err != nil {
		t.Fatal(err)
	}
	// Encode writes the count as given, the CRCs as present, and a valid
	// checksum over both.
	hostile := EncodeManifest(&Manifest{PageSize: 4096, PageCount: 0xfffffffe})
	if _, err := DecodeManifest(hostile); err == nil {
		t.Fatal("accepted 4 billion CRCs from a small file")
	}
	for n := 0; n < len(b); n++ {
		if _, err := DecodeManifest(b[:n]); err == nil {
			t.Fatalf("accepted the first %d bytes of a %d-byte manifest", n, len(b))
		}
	}
}
