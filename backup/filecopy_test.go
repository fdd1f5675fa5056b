package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// walBeyondFile builds a WAL database whose WAL holds pages inside the
// main file (rows updated) and past its end (rows added), none of them
// checkpointed, and returns its path and the main file's page count.
func walBeyondFile(t *testing.T) (string, uint32) {
	t.Helper()
	src, db := newDB(t, t.TempDir(), true, 600)
	for _, q := range []string{
		`PRAGMA wal_checkpoint(TRUNCATE)`,
		`PRAGMA wal_autocheckpoint = 0`,
		`UPDATE msg SET body = 'changed ' || id WHERE id % 50 = 0`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
		 INSERT INTO msg(body, att) SELECT 'added ' || i, randomblob(2000) FROM n`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	return src, uint32(st.Size() / 4096)
}

// TestSnapshotCopyTakesWALPages: a full WAL-mode backup copies the file's
// pages in the kernel and the WAL's from memory, and the result is the
// snapshot page for page, the pages past the main file's end included.
func TestSnapshotCopyTakesWALPages(t *testing.T) {
	src, filePages := walBeyondFile(t)
	want := snapshotPages(t, src)
	if uint32(len(want)) <= filePages {
		t.Fatalf("the snapshot (%d pages) does not extend past the main file (%d)", len(want), filePages)
	}
	before, beforeWAL := sha(t, src), sha(t, src+"-wal")
	dst := filepath.Join(filepath.Dir(src), "app.db.backup")
	res := mustRun(t, src, dst, Options{StepPages: 64})
	if res.CopiedWith != CopiedFromFiles || res.PagesReadFrom != "file+wal" || int(res.PageCount) != len(want) {
		t.Fatalf("result: %+v", res)
	}
	samePages(t, dst, want)
	mustVerify(t, dst)
	if sha(t, src) != before || sha(t, src+"-wal") != beforeWAL {
		t.Errorf("the backup modified the source database")
	}
}

// TestCopyPagesFromMemoryOrKernel copies the same snapshot source two
// ways (file pages in the kernel, or every page from memory when the
// source has no file) and compares each copy and its CRCs with the
// source's pages.
func TestCopyPagesFromMemoryOrKernel(t *testing.T) {
	src, _ := walBeyondFile(t)
	for _, tc := range []struct {
		name      string
		hideFiles bool
	}{{"file + WAL", false}, {"from memory", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := pagefile.Open(src, pagefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			pages := f.Source
			if tc.hideFiles {
				pages = &pagefile.SourceFunc{Size: f.PageSize(), Count: f.PageCount(), Read: f.ReadPage}
			}
			if files := underlyingFile(pages); (files.main != nil) == tc.hideFiles || (files.wal == nil) != tc.hideFiles {
				t.Fatalf("underlying file %v, WAL %v", files.main, files.wal)
			}
			out, err := os.Create(filepath.Join(t.TempDir(), "copy"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			o := Options{StepPages: 50}
			crcs, err := copyPages(context.Background(), pages, out, src+"-wal", &o, &Result{})
			if err != nil {
				t.Fatal(err)
			}
			want := make([][]byte, pages.PageCount())
			for i := range want {
				want[i] = make([]byte, pages.PageSize())
				if err := pages.ReadPage(uint32(i+1), want[i]); err != nil {
					t.Fatal(err)
				}
				if crcs[i] != master.PageCRC(want[i]) {
					t.Fatalf("CRC of page %d is wrong", i+1)
				}
			}
			samePages(t, out.Name(), want)
		})
	}
}

// TestCheckCopyRefusesAMismatch: a copy whose pages do not match the
// metadata captured from the same snapshot is refused, whatever differs.
func TestCheckCopyRefusesAMismatch(t *testing.T) {
	_, _, dst := backedUp(t, true, 500)
	f, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page1 := make([]byte, f.Manifest.PageSize)
	if err := f.ReadPage(1, page1); err != nil {
		t.Fatal(err)
	}
	snap := &snapshot{meta: f.Meta, page1: page1}
	if err := checkCopy(f.Manifest.CRCs, snap); err != nil {
		t.Fatalf("the backup's own CRCs: %v", err)
	}
	leaf := f.Meta.Trees[len(f.Meta.Trees)-1].Leaves[0].Pgno
	for name, edit := range map[string]func([]uint32) []uint32{
		"a leaf":    func(c []uint32) []uint32 { c[leaf-1]++; return c },
		"page 1":    func(c []uint32) []uint32 { c[0]++; return c },
		"one short": func(c []uint32) []uint32 { return c[:len(c)-1] },
	} {
		crcs := edit(append([]uint32(nil), f.Manifest.CRCs...))
		if err := checkCopy(crcs, snap); !errors.Is(err, ErrInconsistent) {
			t.Errorf("%s changed: %v, want ErrInconsistent", name, err)
		}
	}
}

// TestSyncBehindKeepsTheError: an fsync error met in the background is
// returned by stop, since Linux reports a failed writeback only once.
func TestSyncBehindKeepsTheError(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // every fsync now fails
	s := startSyncBehind(f, true)
	if err := s.stop(); err == nil {
		t.Errorf("stop after failing fsyncs returned nil")
	}
	if err := s.stop(); err == nil {
		t.Errorf("a second stop lost the error")
	}
	if err := startSyncBehind(f, false).stop(); err != nil {
		t.Errorf("a syncBehind that is off: %v", err)
	}
}
