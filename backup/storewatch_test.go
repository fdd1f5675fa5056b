package backup

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dbrescue/dbrescue/remote"
)

// TestWatchTakesVersionsAfterCommits: Watch takes a version at once, a
// new one after commits and none while nothing changes; closing stop
// while a writer is busy ends it after a complete version, and every
// version restores to one consistent state of the database.
func TestWatchTakesVersionsAfterCommits(t *testing.T) {
	st, err := remote.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src, db := newDB(t, t.TempDir(), true, 2000)
	stop := make(chan struct{})
	var mu sync.Mutex
	var results []*StoreResult
	done := make(chan error, 1)
	go func() {
		done <- Watch(context.Background(), stop, src, st, StoreOptions{}, 50*time.Millisecond, func(r *StoreResult, err error) {
			if err != nil {
				t.Errorf("watch run: %v", err)
				return
			}
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(results)
	}
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); count() < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited for %d versions, have %d", n, count())
			}
		}
	}
	waitFor(1)
	time.Sleep(300 * time.Millisecond) // nothing changes: no run
	if n := count(); n != 1 {
		t.Errorf("%d runs while nothing changed", n)
	}
	commits, stopWriter := startWriter(t, db)
	waitFor(3)
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	stopWriter()
	list := mustList(t, st)
	if len(list) != count() || len(list) < 3 {
		t.Errorf("%d versions in the store, %d runs reported", len(list), count())
	}
	for _, l := range list {
		out := filepath.Join(t.TempDir(), "r.db")
		if _, err := RestoreFromStore(context.Background(), st, out, StoreReadOptions{Selector: Selector{ID: l.ID}}); err != nil {
			t.Fatal(err)
		}
		consistent(t, out, 2000)
	}
	t.Logf("%d versions over %d commits", len(list), commits.Load())
}

// TestRollbackModeToStore: a rollback-journal database is copied with
// SQLite's backup API (to a temporary file outside its directory) and
// the copy uploaded; the version restores to the database.
func TestRollbackModeToStore(t *testing.T) {
	st, err := remote.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, db := newDB(t, dir, false, 800)
	r := mustRunToStore(t, src, st, StoreOptions{})
	if r.CopiedWith != CopiedWithAPI || r.Mode != ModeFull {
		t.Errorf("rollback mode: %s, %s", r.CopiedWith, r.Mode)
	}
	if _, err := db.Exec(`UPDATE msg SET body = 'x' WHERE id < 10`); err != nil {
		t.Fatal(err)
	}
	r = mustRunToStore(t, src, st, StoreOptions{})
	if r.Mode != ModeIncremental || r.PagesWritten == 0 || r.PagesWritten > int(r.PageCount)/4 {
		t.Errorf("second version: %s, %d of %d pages", r.Mode, r.PagesWritten, r.PageCount)
	}
	out := mustRestoreFromStore(t, st, StoreReadOptions{})
	samePages(t, out, snapshotPages(t, src))
	if entries, _ := filepath.Glob(filepath.Join(dir, "*")); len(entries) != 1 {
		t.Errorf("the backup left files beside the database: %v", entries)
	}
}
