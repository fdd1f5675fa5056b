package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/remote"
)

// storeWithVersions backs up a database twice into a directory store
// (the second time after 1% of the rows changed) and returns the store's
// directory and the store.
func storeWithVersions(t *testing.T, k *Key) (string, *remote.Dir) {
	t.Helper()
	dir := t.TempDir()
	st, err := remote.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	src, db := newDB(t, t.TempDir(), true, 1500)
	mustRunToStore(t, src, st, StoreOptions{Key: k, SegmentSize: 64 << 10})
	if _, err := db.Exec(`UPDATE msg SET body = 'v2' WHERE id % 100 = 0`); err != nil {
		t.Fatal(err)
	}
	mustRunToStore(t, src, st, StoreOptions{Key: k, SegmentSize: 64 << 10})
	return dir, st
}

func objectFiles(t *testing.T, dir, sub string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, sub, "*"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no objects in %s: %v", sub, err)
	}
	return m
}

// TestStoreDamageIsAClearError: a flipped byte in a segment or in a
// manifest, a segment missing or cut short, each makes restore fail with
// a typed error that says which object, writes nothing, and makes verify
// say INVALID; never a wrong database.
func TestStoreDamageIsAClearError(t *testing.T) {
	for _, enc := range []bool{false, true} {
		var k *Key
		if enc {
			k = testKey(t, "5a")
		}
		for _, tc := range []struct {
			name   string
			damage func(t *testing.T, dir string)
			want   error
		}{
			{"flipped byte in a segment", func(t *testing.T, dir string) {
				flip(t, newestFile(t, objectFiles(t, dir, "segments")), 100)
			}, nil},
			{"flipped byte in the manifest", func(t *testing.T, dir string) {
				flip(t, newestFile(t, objectFiles(t, dir, "versions")), 60)
			}, nil},
			{"flipped byte in the manifest body", func(t *testing.T, dir string) {
				p := newestFile(t, objectFiles(t, dir, "versions"))
				st, _ := os.Stat(p)
				flip(t, p, int(st.Size())-10)
			}, nil},
			{"missing segment", func(t *testing.T, dir string) {
				if err := os.Remove(objectFiles(t, dir, "segments")[0]); err != nil {
					t.Fatal(err)
				}
			}, ErrMissingObject},
			{"truncated segment", func(t *testing.T, dir string) {
				p := objectFiles(t, dir, "segments")[0]
				st, _ := os.Stat(p)
				if err := os.Truncate(p, st.Size()/2); err != nil {
					t.Fatal(err)
				}
			}, pagefile.ErrTruncated},
			{"truncated manifest", func(t *testing.T, dir string) {
				p := newestFile(t, objectFiles(t, dir, "versions"))
				st, _ := os.Stat(p)
				if err := os.Truncate(p, st.Size()-1); err != nil {
					t.Fatal(err)
				}
			}, pagefile.ErrTruncated},
		} {
			t.Run(tc.name+map[bool]string{true: "-encrypted"}[enc], func(t *testing.T) {
				dir, st := storeWithVersions(t, k)
				tc.damage(t, dir)
				out := filepath.Join(t.TempDir(), "out.db")
				_, err := RestoreFromStore(context.Background(), st, out, StoreReadOptions{Key: k})
				if err == nil {
					t.Fatal("restore of a damaged store succeeded")
				}
				if tc.want != nil && !errors.Is(err, tc.want) {
					t.Errorf("restore: %v, want %v", err, tc.want)
				}
				var oe *ObjectError
				if !errors.As(err, &oe) && !errors.Is(err, ErrMissingObject) {
					t.Errorf("restore: %v (%T) is not an *ObjectError", err, err)
				}
				if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
					t.Errorf("a failed restore left %v", entries)
				}
				t.Logf("restore: %v", err)
				rep, verr := VerifyStore(context.Background(), st, StoreReadOptions{Key: k})
				if verr != nil || rep.OK || len(rep.Problems) == 0 {
					t.Errorf("verify of a damaged store: ok %v, problems %v, %v", rep.OK, rep.Problems, verr)
				}
			})
		}
	}
}

func flip(t *testing.T, path string, off int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x10
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newestFile is the last of names (object keys sort by time).
func newestFile(t *testing.T, names []string) string {
	t.Helper()
	return names[len(names)-1]
}
