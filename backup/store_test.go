package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/remote"
)

// testStores opens a fresh store of each kind: a directory always, S3
// when the test server runs (.ci/s3-test-server).
var testStores = map[string]func(t *testing.T) remote.Store{
	"file": func(t *testing.T) remote.Store {
		st, err := remote.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return st
	},
	"s3": openTestS3,
}

func openTestS3(t *testing.T) remote.Store {
	t.Helper()
	base := os.Getenv("DBRESCUE_TEST_S3_URL")
	if base == "" {
		t.Skip("no S3 test server: run eval \"$(bash .ci/s3-test-server start)\" first")
	}
	st, err := remote.Open(context.Background(), remote.TestURL(base, t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func testKey(t *testing.T, hex string) *Key {
	t.Helper()
	k, err := ParseKey([]byte(strings.Repeat(hex, 64/len(hex))))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustRunToStore(t *testing.T, src string, st remote.Store, o StoreOptions) *StoreResult {
	t.Helper()
	res, err := RunToStore(context.Background(), src, st, o)
	if err != nil {
		t.Fatalf("backup of %s to %s: %v", src, st, err)
	}
	return res
}

func mustRestoreFromStore(t *testing.T, st remote.Store, o StoreReadOptions) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "restored.db")
	if _, err := RestoreFromStore(context.Background(), st, out, o); err != nil {
		t.Fatalf("restore from %s: %v", st, err)
	}
	return out
}

// TestStoreVersions: a first version uploads every page, the next only
// the pages that changed, an unchanged source uploads nothing, and every
// version restores to exactly the snapshot it was taken from (page for
// page) and verifies.
func TestStoreVersions(t *testing.T) {
	for name, open := range testStores {
		for _, enc := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "", true: "-encrypted"}[enc], func(t *testing.T) {
				st := open(t)
				var k *Key
				if enc {
					k = testKey(t, "0123456789abcdef")
				}
				src, db := newDB(t, t.TempDir(), true, 2000)
				want1 := snapshotPages(t, src)
				r1 := mustRunToStore(t, src, st, StoreOptions{Key: k})
				if r1.Mode != ModeFull || r1.PagesWritten != len(want1) || r1.Base != "" {
					t.Fatalf("first version: %+v", r1)
				}
				objs, err := st.List(context.Background(), "")
				if err != nil {
					t.Fatal(err)
				}
				var stored int64
				for _, o := range objs {
					stored += o.Size
				}
				if stored != r1.BytesWritten {
					t.Errorf("the store holds %d bytes, the first run says it uploaded %d", stored, r1.BytesWritten)
				}
				if _, err := db.Exec(`UPDATE msg SET body = 'changed' WHERE id % 100 = 0`); err != nil {
					t.Fatal(err)
				}
				want2 := snapshotPages(t, src)
				r2 := mustRunToStore(t, src, st, StoreOptions{Key: k})
				if r2.Mode != ModeIncremental || r2.Base != r1.Version || r2.PagesWritten == 0 || r2.PagesWritten >= len(want2)/4 {
					t.Fatalf("second version: mode %s base %s, %d of %d pages uploaded", r2.Mode, r2.Base, r2.PagesWritten, len(want2))
				}
				if changed := changedPages(want1, want2); r2.PagesWritten != changed {
					t.Errorf("second version uploaded %d pages, %d changed", r2.PagesWritten, changed)
				}
				r3 := mustRunToStore(t, src, st, StoreOptions{Key: k})
				if r3.Mode != ModeUnchanged || r3.Version != r2.Version {
					t.Errorf("unchanged source: %+v", r3)
				}
				list, err := ListVersions(context.Background(), st, k)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, l := range list {
					ids = append(ids, l.ID)
					if l.Problem != "" {
						t.Errorf("version %s: %s", l.ID, l.Problem)
					}
				}
				if diff := cmp.Diff([]string{r1.Version, r2.Version}, ids); diff != "" {
					t.Errorf("versions (-want +got):\n%s", diff)
				}
				for _, tc := range []struct {
					sel  Selector
					want [][]byte
				}{{Selector{}, want2}, {Selector{ID: r1.Version}, want1}, {Selector{ID: r2.Version[:len(r2.Version)-2]}, want2}} {
					out := mustRestoreFromStore(t, st, StoreReadOptions{Selector: tc.sel, Key: k})
					samePages(t, out, tc.want)
					rep, err := VerifyStore(context.Background(), st, StoreReadOptions{Selector: tc.sel, Key: k})
					if err != nil || !rep.OK {
						t.Fatalf("verify %v: %v %v", tc.sel, err, rep.Problems)
					}
				}
			})
		}
	}
}

func changedPages(a, b [][]byte) int {
	n := 0
	for i := range b {
		if i >= len(a) || string(a[i]) != string(b[i]) {
			n++
		}
	}
	return n
}

// TestStoreKeys: a store encrypted with one key cannot be read without it
// or with another, and says which; no page or schema text is stored in
// the clear; nothing is written by a refused restore.
func TestStoreKeys(t *testing.T) {
	dir := t.TempDir()
	st, err := remote.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := newDB(t, t.TempDir(), true, 300)
	k := testKey(t, "00ff")
	mustRunToStore(t, src, st, StoreOptions{Key: k})
	other := testKey(t, "ff00")
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct {
		key  *Key
		want error
	}{{nil, ErrKeyRequired}, {other, ErrWrongKey}} {
		if _, err := RestoreFromStore(ctx, st, out, StoreReadOptions{Key: tc.key}); !errors.Is(err, tc.want) {
			t.Errorf("restore with key %v: %v, want %v", tc.key, err, tc.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("a refused restore left %s", out)
		}
		if rep, err := VerifyStore(ctx, st, StoreReadOptions{Key: tc.key}); err != nil || rep.OK {
			t.Errorf("verify with key %v: ok %v, %v", tc.key, rep.OK, err)
		}
		if _, err := RunToStore(ctx, src, st, StoreOptions{Key: tc.key, Options: Options{Full: true}}); !errors.Is(err, tc.want) {
			t.Errorf("backup with key %v into an encrypted store: %v, want %v", tc.key, err, tc.want)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("refused restores left %v", entries)
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, clear := range []string{"message 1", "CREATE TABLE", "SQLite format 3"} {
			if strings.Contains(string(b), clear) {
				t.Errorf("%s holds %q in the clear", p, clear)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
