package backup

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	wal := filepath.Join(t.TempDir(), "app.db-wal")
	if err := os.WriteFile(wal, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	auto := newPacer(wal, 0)
	fixed := newPacer(wal, 3*time.Millisecond)
	never := newPacer(wal, NoPause)
	for _, p := range []*pacer{auto, fixed, never} {
		if got := p.after(4 << 20); got != p.fixed {
			t.Errorf("before any commit: pause %v, want %v", got, p.fixed)
		}
	}
	if !auto.fullSpeed() || fixed.fullSpeed() || !never.fullSpeed() {
		t.Errorf("full speed before any commit: auto %v, fixed %v, never %v", auto.fullSpeed(), fixed.fullSpeed(), never.fullSpeed())
	}
	// A commit appends to the WAL.
	f, err := os.OpenFile(wal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 4120)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got, want := auto.after(4<<20), 4*gentlePausePerMiB; got != want || auto.fullSpeed() || !auto.busy {
		t.Errorf("after a commit, automatic pace: pause %v (want %v), full speed %v", got, want, auto.fullSpeed())
	}
	if got := never.after(4 << 20); got != 0 || !never.fullSpeed() || !never.busy {
		t.Errorf("after a commit, NoPause: pause %v, full speed %v, writers seen %v", got, never.fullSpeed(), never.busy)
	}
	if got := fixed.after(1 << 20); got != 3*time.Millisecond || !fixed.busy {
		t.Errorf("after a commit, fixed pause: %v, writers seen %v", got, fixed.busy)
	}
}

// TestBackupSlowsDownForWriters: a full WAL-mode backup at the automatic
// pace notices a writer committing in another connection and says so;
// the backup still holds one commit's state.
func TestBackupSlowsDownForWriters(t *testing.T) {
	dir := t.TempDir()
	src, db := newDB(t, dir, true, 4000)
	dst := filepath.Join(dir, "app.db.backup")
	quiet := mustRun(t, src, dst, Options{Full: true, StepPages: 16})
	if quiet.WritersSeen {
		t.Errorf("writers seen on a quiet database")
	}
	_, stop := startWriter(t, db)

	time.Sleep(20 * time.Millisecond)
	removeBackupFiles(t, dst)
	busy := mustRun(t, src, dst, Options{StepPages: 16})
	stop()
	if busy.CopiedWith != CopiedFromFiles || !busy.WritersSeen {
		t.Errorf("backup while a writer commits: copied with %s, writers seen %v", busy.CopiedWith, busy.WritersSeen)
	}
	consistent(t, dst, 4000)
	mustVerify(t, dst)
}

func removeBackupFiles(t *testing.T, dst string) {
	t.Helper()
	for _, sfx := range []string{"", ManifestSuffix} {
		if err := os.Remove(dst + sfx); err != nil {
			t.Fatal(err)
		}
	}
}
