package backup

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// writeUntil commits small transactions on db until stop is closed: each
// inserts one message and bumps the counter, so a consistent snapshot has
// exactly counter.n messages beyond the initial ones.
func writeUntil(t *testing.T, db *sql.DB, stop chan struct{}, commits *atomic.Int64, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			tx, err := db.Begin()
			if err == nil {
				_, err = tx.Exec(`INSERT INTO msg(body, att) VALUES('live', randomblob(2000))`)
			}
			if err == nil {
				_, err = tx.Exec(`UPDATE counter SET n = n + 1`)
			}
			if err == nil {
				err = tx.Commit()
			} else if tx != nil {
				_ = tx.Rollback()
			}
			if err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			commits.Add(1)
		}
	}()
}

// startWriter runs writeUntil on db; the returned function stops it and
// returns how many commits it made.
func startWriter(t *testing.T, db *sql.DB) (commits *atomic.Int64, stop func()) {
	commits = &atomic.Int64{}
	var wg sync.WaitGroup
	done := make(chan struct{})
	writeUntil(t, db, done, commits, &wg)
	return commits, func() { close(done); wg.Wait() }
}

// consistent checks the invariant writeUntil keeps, on a backup.
func consistent(t *testing.T, path string, initial int) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, msgs int64
	if err := db.QueryRow(`SELECT (SELECT n FROM counter), (SELECT count(*) FROM msg)`).Scan(&n, &msgs); err != nil {
		t.Fatal(err)
	}
	if msgs != int64(initial)+n {
		t.Fatalf("backup is not one snapshot: counter says %d commits, %d messages beyond the initial %d", n, msgs-int64(initial), initial)
	}
	return n
}

// TestWALBackupWhileWriterCommits: with a writer committing as fast as it
// can in another connection, a WAL-mode backup in small steps with pauses
// completes without a single restart, holds one commit's state, and the
// writer kept committing throughout.
func TestWALBackupWhileWriterCommits(t *testing.T) {
	dir := t.TempDir()
	src, db := newDB(t, dir, true, 4000)
	dst := filepath.Join(dir, "app.db.backup")
	commits, stop := startWriter(t, db)
	time.Sleep(50 * time.Millisecond)
	for round := 0; round < 3; round++ {
		c0 := commits.Load()
		res := mustRun(t, src, dst, Options{StepPages: 50, Pause: 2 * time.Millisecond, Full: round == 1})
		during := commits.Load() - c0
		if res.Restarts != 0 {
			t.Errorf("round %d: %d restarts in WAL mode", round, res.Restarts)
		}
		if during == 0 {
			t.Errorf("round %d: the writer committed nothing during the backup", round)
		}
		n := consistent(t, dst, 4000)
		mustVerify(t, dst)
		t.Logf("round %d: %s via %s, %d steps, %d commits during, backup at commit %d, %d pages written", round, res.Mode, res.CopiedWith, res.Steps, during, n, res.PagesWritten)
	}
	stop()
}

// TestRollbackModeGivesUpClearly: in rollback-journal mode a writer that
// commits between every step keeps restarting the copy; the backup stops
// after MaxRestarts with ErrNoProgress and leaves no file behind. Without
// the writer the same backup completes.
func TestRollbackModeGivesUpClearly(t *testing.T) {
	dir := t.TempDir()
	src, db := newDB(t, dir, false, 3000)
	dst := filepath.Join(dir, "app.db.backup")
	commits, stop := startWriter(t, db)
	_, err := Run(context.Background(), src, dst, Options{StepPages: 5, Pause: 20 * time.Millisecond, MaxRestarts: 2})
	stop()
	if !errors.Is(err, ErrNoProgress) {
		t.Fatalf("backup against a busy rollback-mode writer: %v, want ErrNoProgress", err)
	}
	if there, _ := exists(dst); there {
		t.Errorf("a failed first backup left %s", dst)
	}
	t.Logf("%v (writer committed %d times)", err, commits.Load())
	res := mustRun(t, src, dst, Options{StepPages: 5})
	consistent(t, dst, 3000)
	mustVerify(t, dst)
	if res.Restarts != 0 {
		t.Errorf("quiet source: %d restarts", res.Restarts)
	}
}

// TestRollbackModeWithOccasionalWriter: restarts that stay under the bound
// are absorbed. Another connection commits twice while the copy runs
// (from the progress callback, between steps, when the copy holds no lock
// on the source); each commit restarts the copy, which still completes,
// counts both restarts, and holds the state after the last commit, page
// for page.
func TestRollbackModeWithOccasionalWriter(t *testing.T) {
	dir := t.TempDir()
	src, db := newDB(t, dir, false, 3000)
	dst := filepath.Join(dir, "app.db.backup")
	const writes = 2
	commits := 0
	// A restart is seen when the step after it ends no further than the
	// step before it; each restart doubles the step. Committing only once
	// the copy is 100 pages further per commit keeps both restarts in view.
	progress := func(p Progress) {
		if p.Phase != PhaseCopy || commits == writes || p.Done >= p.Total || p.Done < 100*(commits+1) {
			return
		}
		if _, err := db.Exec(`BEGIN; INSERT INTO msg(body) VALUES('x'); UPDATE counter SET n = n + 1; COMMIT`); err != nil {
			t.Errorf("writer: %v", err)
		}
		commits++
	}
	res := mustRun(t, src, dst, Options{StepPages: 20, MaxRestarts: 10, Progress: progress})
	if commits != writes || res.Restarts != writes {
		t.Errorf("%d commits during the copy, %d restarts counted; want %d of each", commits, res.Restarts, writes)
	}
	if n := consistent(t, dst, 3000); n != writes {
		t.Errorf("the backup holds the state after %d commits, want the last, %d", n, writes)
	}
	samePages(t, dst, snapshotPages(t, src))
	mustVerify(t, dst)
}
