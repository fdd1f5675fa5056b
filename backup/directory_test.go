package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/internal/testdb"
)

// TestRunLeavesTheDirectoryAsFound backs up databases nobody has open (a
// WAL copied with committed rows and no -shm, a closed WAL database, a
// rollback-mode one), with the file copy and with the backup API, then
// updates the backup: the directory must hold what it held, byte for byte,
// plus the backup and its manifest (no -shm, no empty -wal, no .lock, no
// temporary file), and the backup must restore every committed row, with
// the source's own page 1.
func TestRunLeavesTheDirectoryAsFound(t *testing.T) {
	ctx := context.Background()
	testdb.ForEachState(t, 2000, func(t *testing.T, _ testdb.State, src string, before map[string]string) {
		for _, api := range []bool{false, true} {
			dir := filepath.Dir(src)
			dst := filepath.Join(dir, fmt.Sprintf("api-%v.backup", api))
			want := tableT(t, src)
			mustRun(t, src, dst, Options{BackupAPI: api})
			if res := mustRun(t, src, dst, Options{Force: true}); res.Mode != ModeIncremental {
				t.Errorf("second run: mode %s, want %s", res.Mode, ModeIncremental)
			}
			mustVerify(t, dst)
			restored := filepath.Join(t.TempDir(), "restored.db")
			if _, err := Restore(ctx, dst, restored, RestoreOptions{}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, tableT(t, restored)); diff != "" {
				t.Errorf("backup-api=%v: rows restored from the backup (-source +restored):\n%s", api, diff)
			}
			if a, b := header(t, src), header(t, dst); a != b {
				t.Errorf("backup-api=%v: the backup's file format bytes 18-19 are %x, the source's %x", api, b, a)
			}
		}
		testdb.SameListing(t, filepath.Dir(src), before, "api-false.backup", "api-false.backup"+ManifestSuffix,
			"api-true.backup", "api-true.backup"+ManifestSuffix)
	})
}

// tableT lists the rows of table t of the database at path (with its WAL
// when it has one), read by SQLite from a copy.
func tableT(t *testing.T, path string) []string {
	t.Helper()
	_, err := os.Stat(path + "-wal")
	db := testdb.OpenCopy(t, path, err == nil)
	rows, err := db.Query(`SELECT id, v FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d|%s", id, v))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// header returns bytes 18 and 19 of a database file: 1 1 for rollback
// mode, 2 2 for WAL mode.
func header(t *testing.T, path string) [2]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 20 {
		t.Fatalf("%s: %d bytes, %v", path, len(b), err)
	}
	return [2]byte{b[18], b[19]}
}

// TestRunAndRestoreRefuseAnInput: a backup written over the database or
// one of its companions, and a restore written over the backup or one of
// its companions, are refused whatever Force says, and nothing changes.
func TestRunAndRestoreRefuseAnInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := testdb.BuildState(t, dir, testdb.CopiedWAL, 500)
	bk := filepath.Join(dir, "b")
	mustRun(t, src, bk, Options{})
	if err := os.Symlink("app.db", filepath.Join(dir, "link.db")); err != nil {
		t.Fatal(err)
	}
	before := testdb.Listing(t, dir)
	for _, out := range []string{"app.db", "app.db-wal", "app.db-shm", "app.db-journal", "link.db"} {
		_, err := Run(ctx, src, filepath.Join(dir, out), Options{Force: true})
		var conflict *outputs.ConflictError
		if !errors.As(err, &conflict) {
			t.Errorf("backup to %s: %v, want an *outputs.ConflictError", out, err)
		}
	}
	for _, out := range []string{"b", "b" + ManifestSuffix, "b" + JournalSuffix, "b" + LockSuffix} {
		_, err := Restore(ctx, bk, filepath.Join(dir, out), RestoreOptions{Force: true})
		var conflict *outputs.ConflictError
		if !errors.As(err, &conflict) {
			t.Errorf("restore to %s: %v, want an *outputs.ConflictError", out, err)
		}
	}
	testdb.SameListing(t, dir, before)
}

// TestNoLockOrTempFileLeftBehind: backups and restores that fail (a source
// that is not a database, a destination that is not a backup, a copy
// cancelled half-way, a restore into a missing directory) and ones that
// succeed, with readers opening the backup meanwhile, leave no .lock and
// no temporary file.
func TestNoLockOrTempFileLeftBehind(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := testdb.BuildState(t, dir, testdb.ClosedWAL, 3000)
	garbage := filepath.Join(dir, "garbage.db")
	foreign := filepath.Join(dir, "foreign")
	for _, p := range []string{garbage, foreign} {
		if err := os.WriteFile(p, []byte("not a database, not a backup"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := testdb.Listing(t, dir)
	fail := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s succeeded", what)
		}
	}
	_, err := Run(ctx, garbage, filepath.Join(dir, "garbage.backup"), Options{})
	fail("a backup of a file that is not a database", err)
	_, err = Run(ctx, src, foreign, Options{})
	fail("a backup over a file that is not a backup", err)
	cctx, cancel := context.WithCancel(ctx)
	_, err = Run(cctx, src, filepath.Join(dir, "cancelled.backup"), Options{StepPages: 4, Progress: func(Progress) { cancel() }})
	fail("a cancelled backup", err)

	ok := filepath.Join(dir, "ok.backup")
	mustRun(t, src, ok, Options{})
	reader, err := Open(ok)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(ok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, src, ok, Options{Force: true}); !errors.Is(err, ErrBusy) {
		t.Errorf("backup while the backup is open: %v, want ErrBusy", err)
	}
	for _, f := range []*File{reader, second} {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	mustVerify(t, ok)
	_, err = Restore(ctx, ok, filepath.Join(dir, "missing", "r.db"), RestoreOptions{})
	fail("a restore into a missing directory", err)

	testdb.SameListing(t, dir, before, "ok.backup", "ok.backup"+ManifestSuffix)
}

// TestReadingAnInterruptedBackupLeavesNothingNew: Verify and Restore of a
// backup whose update was killed half-way finish the job (recovery needs
// write access) and leave nothing new behind: the journal goes, no .lock,
// no temporary file.
func TestReadingAnInterruptedBackupLeavesNothingNew(t *testing.T) {
	for _, read := range []string{"verify", "restore"} {
		t.Run(read, func(t *testing.T) {
			dir, _, dst := interrupted(t, 2000, stageHalfPatch)
			before := testdb.Listing(t, dir)
			if _, ok := before["app.db.backup"+JournalSuffix]; !ok {
				t.Fatal("the crash left no journal: nothing to recover")
			}
			out := filepath.Join(t.TempDir(), "restored.db")
			if read == "verify" {
				mustVerify(t, dst)
			} else if _, err := Restore(context.Background(), dst, out, RestoreOptions{}); err != nil {
				t.Fatal(err)
			}
			after := testdb.Listing(t, dir)
			for name := range after {
				if _, ok := before[name]; !ok || strings.HasSuffix(name, LockSuffix) || strings.Contains(name, tempInfix) {
					t.Errorf("%s left %s behind", read, name)
				}
			}
			if _, ok := after["app.db.backup"+JournalSuffix]; ok {
				t.Errorf("%s left the journal it recovered", read)
			}
		})
	}
}
