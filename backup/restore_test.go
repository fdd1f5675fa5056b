package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

func TestRestoreRoundTrip(t *testing.T) {
	dir, src, dst := backedUp(t, true, 1500)
	want := rowsOf(t, src)
	target := filepath.Join(dir, "restored.db")
	res, err := Restore(context.Background(), dst, target, RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replaced || len(res.Removed) != 0 {
		t.Errorf("restore to a new path: %+v", res)
	}
	if diff := cmp.Diff(want, rowsOf(t, target)); diff != "" {
		t.Errorf("restored rows (-source +restored):\n%s", diff)
	}
	if sha(t, target) != sha(t, dst) {
		t.Errorf("the restored file is not the backup byte for byte")
	}
	if _, err := Restore(context.Background(), dst, target, RestoreOptions{}); !errors.Is(err, ErrTargetExists) {
		t.Errorf("restore over an existing database without Force: %v", err)
	}
}

// TestRestoreRemovesStaleWAL: the target being replaced has a WAL with
// committed frames. SQLite would replay it over the restored file, so
// Restore must remove it; the restored database then holds the backup's
// rows, not the old WAL's.
func TestRestoreRemovesStaleWAL(t *testing.T) {
	dir, src, dst := backedUp(t, true, 800)
	old, err := testdb.Build(context.Background(), t.TempDir(), testdb.Config{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Rows: 50, WAL: true, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target.db")
	for _, sfx := range []string{"", "-wal"} {
		b, err := os.ReadFile(old + sfx)
		if err != nil {
			t.Fatalf("testdb left no %s: %v", sfx, err)
		}
		if err := os.WriteFile(target+sfx, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(target+"-journal", []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(context.Background(), dst, target, RestoreOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Replaced || len(res.Removed) != 2 {
		t.Errorf("result: %+v", res)
	}
	for _, sfx := range []string{"-wal", "-journal"} {
		if there, _ := exists(target + sfx); there {
			t.Errorf("stale %s left beside the restored database", sfx)
		}
	}
	if diff := cmp.Diff(rowsOf(t, src), rowsOf(t, target)); diff != "" {
		t.Errorf("restored rows (-backup +restored):\n%s", diff)
	}
}

func TestRestoreRefusesDamagedBackup(t *testing.T) {
	dir, _, dst := backedUp(t, false, 1500)
	flipByte(t, dst, 5*4096+100)
	target := filepath.Join(dir, "restored.db")
	if _, err := Restore(context.Background(), dst, target, RestoreOptions{}); err == nil {
		t.Fatal("restored a backup with a damaged page")
	}
	if there, _ := exists(target); there {
		t.Errorf("a failed restore left %s", target)
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	_, _, dst := backedUp(t, true, 1500)
	flipByte(t, dst, 9*4096+2000)
	r, err := Verify(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.BadPageCount != 1 || len(r.BadPages) != 1 || r.BadPages[0] != 10 {
		t.Errorf("verify of a backup with page 10 damaged: %+v", r)
	}
	flipByte(t, dst+ManifestSuffix, 80)
	if r, _ := Verify(context.Background(), dst); r.OK || len(r.Problems) == 0 {
		t.Errorf("verify of a damaged manifest: %+v", r)
	}
}

func TestOpenServesVerifiedPages(t *testing.T) {
	_, src, dst := backedUp(t, true, 1500)
	want := snapshotPages(t, src)
	f, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Meta.Header.PageCount != f.Manifest.PageCount || f.Source.PageCount() != uint32(len(want)) {
		t.Fatalf("open: meta %d pages, manifest %d, source %d", f.Meta.Header.PageCount, f.Manifest.PageCount, f.Source.PageCount())
	}
	buf := make([]byte, f.Manifest.PageSize)
	for i := range want {
		if err := f.ReadPage(uint32(i+1), buf); err != nil || string(buf) != string(want[i]) {
			t.Fatalf("page %d: %v", i+1, err)
		}
	}
	want[3][500] ^= 1
	if f.VerifyPage(4, want[3]) || f.VerifyPage(0, want[0]) || f.VerifyPage(uint32(len(want)+1), want[0]) {
		t.Errorf("VerifyPage accepts a page the manifest does not vouch for")
	}
	if _, err := Run(context.Background(), src, dst, Options{Force: true}); !errors.Is(err, ErrBusy) {
		t.Errorf("backup onto an open backup: %v, want ErrBusy", err)
	}
}

func TestUnchangedAndForeignDestination(t *testing.T) {
	dir := t.TempDir()
	src, db := newDB(t, dir, true, 500)
	dst := filepath.Join(dir, "app.db.backup")
	mustRun(t, src, dst, Options{})
	if res := mustRun(t, src, dst, Options{}); res.Mode != ModeUnchanged {
		t.Errorf("second backup of an unchanged database: %s", res.Mode)
	}
	if _, err := db.Exec(`UPDATE counter SET n = 5`); err != nil {
		t.Fatal(err)
	}
	if res := mustRun(t, src, dst, Options{}); res.Mode != ModeIncremental || res.PagesWritten == 0 {
		t.Errorf("backup after a change: %+v", res)
	}
	foreign := filepath.Join(dir, "important.db")
	if err := os.WriteFile(foreign, []byte("not a backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), src, foreign, Options{}); !errors.Is(err, ErrNotOurs) {
		t.Errorf("backup onto a file that is not a backup: %v", err)
	}
	if _, err := Run(context.Background(), src, src, Options{Force: true}); err == nil {
		t.Errorf("backup of a database onto itself succeeded")
	}
	mustRun(t, src, foreign, Options{Force: true})
	mustVerify(t, foreign)
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
