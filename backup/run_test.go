package backup

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/master"
)

func TestFullBackupEqualsSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name       string
		wal, api   bool
		copiedWith string
	}{
		{"wal", true, false, CopiedFromFiles},
		{"wal with the backup API", true, true, CopiedWithAPI},
		{"rollback", false, false, CopiedWithAPI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src, _ := newDB(t, dir, tc.wal, 2000)
			before, beforeWAL := sha(t, src), sha(t, src+"-wal")
			want := snapshotPages(t, src)
			dst := filepath.Join(dir, "app.db.backup")
			res := mustRun(t, src, dst, Options{StepPages: 37, BackupAPI: tc.api})
			if res.Mode != ModeFull || res.CopiedWith != tc.copiedWith || res.PagesWritten != len(want) || res.Restarts != 0 {
				t.Fatalf("result: %+v", res)
			}
			samePages(t, dst, want)
			m, err := ReadManifest(dst)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range want {
				if m.CRCs[i] != master.PageCRC(p) {
					t.Fatalf("manifest CRC of page %d is wrong", i+1)
				}
			}
			meta, err := master.Decode(m.Meta)
			if err != nil {
				t.Fatal(err)
			}
			if meta.Header.PageCount != m.PageCount || len(meta.Tables) != 2 || len(meta.Trees) == 0 || !meta.Counts {
				t.Errorf("stored metadata: %d pages, %d tables, %d trees, counts %v", meta.Header.PageCount, len(meta.Tables), len(meta.Trees), meta.Counts)
			}
			mustVerify(t, dst)
			if diff := cmp.Diff(rowsOf(t, src), rowsOf(t, dst)); diff != "" {
				t.Errorf("rows of the backup (-source +backup):\n%s", diff)
			}
			if sha(t, src) != before || sha(t, src+"-wal") != beforeWAL {
				t.Errorf("the backup modified the source database")
			}
		})
	}
}

func TestIncrementalWritesOnlyChangedPages(t *testing.T) {
	for _, wal := range []bool{true, false} {
		t.Run(map[bool]string{true: "wal", false: "rollback"}[wal], func(t *testing.T) {
			dir := t.TempDir()
			src, db := newDB(t, dir, wal, 3000)
			dst := filepath.Join(dir, "app.db.backup")
			mustRun(t, src, dst, Options{})
			old := snapshotPages(t, src)
			for _, q := range []string{
				`UPDATE msg SET body = 'changed ' || id WHERE id % 500 = 0`,
				`INSERT INTO msg(body, att) VALUES('new one', randomblob(10000))`,
				`UPDATE counter SET n = n + 1`,
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			want := snapshotPages(t, src)
			changed := 0
			for i := range want {
				if i >= len(old) || string(old[i]) != string(want[i]) {
					changed++
				}
			}
			res := mustRun(t, src, dst, Options{})
			if res.Mode != ModeIncremental || res.PagesWritten != changed {
				t.Fatalf("wrote %d pages (%s), %d changed; result %+v", res.PagesWritten, res.Mode, changed, res)
			}
			if changed == 0 || changed > len(want)/4 {
				t.Fatalf("test change touched %d of %d pages", changed, len(want))
			}
			samePages(t, dst, want)
			mustVerify(t, dst)
			if _, err := os.Stat(dst + JournalSuffix); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("journal left behind: %v", err)
			}
			t.Logf("%s: %d of %d pages written, copied with %s from %q", res.Mode, res.PagesWritten, res.PageCount, res.CopiedWith, res.PagesReadFrom)
		})
	}
}

// TestBackupWithVersion1Meta: a backup whose manifest embeds a version-1
// metadata backup (testdata/v1meta, see its README) still opens and
// verifies, without counts; the next update over it records them.
func TestBackupWithVersion1Meta(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "app.db.backup")
	for from, to := range map[string]string{"v1meta.backup": dst, "v1meta.backup.manifest": dst + ManifestSuffix} {
		if err := fsutil.CopyFile(filepath.Join("testdata", "v1meta", from), to); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	version := binary.BigEndian.Uint16(f.Manifest.Meta[8:])
	counts, trees := f.Meta.Counts, len(f.Meta.Trees)
	f.Close()
	if version != 1 || counts || trees == 0 {
		t.Fatalf("embedded metadata: format version %d, counts %v, %d trees; want version 1 without counts", version, counts, trees)
	}
	mustVerify(t, dst)

	// A backup is a copy of its source: update it from such a copy.
	src := filepath.Join(dir, "app.db")
	if err := fsutil.CopyFile(dst, src); err != nil {
		t.Fatal(err)
	}
	if res := mustRun(t, src, dst, Options{}); res.Mode != ModeIncremental || res.PagesWritten != 0 {
		t.Errorf("update from an identical source: %+v", res)
	}
	m, err := ReadManifest(dst)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := master.Decode(m.Meta)
	if err != nil {
		t.Fatal(err)
	}
	if !meta.Counts || binary.BigEndian.Uint16(m.Meta[8:]) != master.FormatVersion {
		t.Errorf("after the update: counts %v, format version %d", meta.Counts, binary.BigEndian.Uint16(m.Meta[8:]))
	}
	mustVerify(t, dst)
}
