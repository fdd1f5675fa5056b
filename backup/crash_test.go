package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// TestCrashAtEveryStage stops an update dead at each of its stages, as a
// kill would, and checks that the next reader finds one whole backup: the
// previous one before the new manifest is in place, the new one after.
func TestCrashAtEveryStage(t *testing.T) {
	for _, tc := range []struct {
		stage, recovered string
		wantNew          bool
		full             bool
	}{
		{stageJournal, recoveredRollback, false, false},
		{stageHalfPatch, recoveredRollback, false, false},
		{stagePatched, recoveredRollback, false, false},
		{stageCommitted, recoveredCommitted, true, false},
		{stageHalfPatch, recoveredRollback, false, true}, // a --full update also goes through the journal
	} {
		t.Run(fmt.Sprintf("%s-full=%v", tc.stage, tc.full), func(t *testing.T) {
			dir := t.TempDir()
			src, db := newDB(t, dir, true, 3000)
			dst := filepath.Join(dir, "app.db.backup")
			mustRun(t, src, dst, Options{})
			oldPages := snapshotPages(t, src)
			if _, err := db.Exec(`UPDATE msg SET body = 'v2 ' || id WHERE id % 7 = 0; DELETE FROM msg WHERE id > 2500`); err != nil {
				t.Fatal(err)
			}
			newPages := snapshotPages(t, src)
			_, err := Run(context.Background(), src, dst, Options{crashAt: tc.stage, Full: tc.full})
			if !errors.Is(err, errCrash) {
				t.Fatalf("crash at %s: %v", tc.stage, err)
			}
			if there, _ := exists(dst + JournalSuffix); !there {
				t.Fatalf("no journal left by a crash at %s", tc.stage)
			}
			r := mustVerify(t, dst)
			if r.Recovered != tc.recovered {
				t.Errorf("recovery: %q, want %q", r.Recovered, tc.recovered)
			}
			want := oldPages
			if tc.wantNew {
				want = newPages
			}
			samePages(t, dst, want)
			// The next backup completes the job.
			res := mustRun(t, src, dst, Options{})
			samePages(t, dst, newPages)
			t.Logf("after the crash: next backup %s, %d pages written", res.Mode, res.PagesWritten)
		})
	}
}

// TestCrashOfFirstBackup: a first backup killed between its manifest and
// its rename leaves no valid backup (there was none), and the next run
// takes a full one without asking for --force.
func TestCrashOfFirstBackup(t *testing.T) {
	dir := t.TempDir()
	src, _ := newDB(t, dir, true, 500)
	dst := filepath.Join(dir, "app.db.backup")
	if _, err := Run(context.Background(), src, dst, Options{crashAt: stageRenamed}); !errors.Is(err, errCrash) {
		t.Fatal(err)
	}
	if r, _ := Verify(context.Background(), dst); r.OK {
		t.Fatalf("a half-made first backup verifies")
	}
	res := mustRun(t, src, dst, Options{})
	if res.Mode != ModeFull {
		t.Errorf("after a crashed first backup: %s", res.Mode)
	}
	samePages(t, dst, snapshotPages(t, src))
}

// TestBackupKillerChild is the child of TestKilledBackupLeavesValidBackup:
// it changes the database and backs it up, over and over, until killed.
func TestBackupKillerChild(t *testing.T) {
	src := os.Getenv("DBRESCUE_BACKUP_CHILD")
	if src == "" {
		t.Skip("child process of TestKilledBackupLeavesValidBackup")
	}
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := 0; ; i++ {
		if _, err := db.Exec(churn, 2+rng.IntN(40)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// The parent's kill is timed from here: it falls on backups
			// (copy, journal, patch, commit), not on starting up.
			testdb.ChildReady()
		}
		if _, err := Run(context.Background(), src, src+".backup", Options{Full: i%3 == 2}); err != nil {
			t.Fatal(err)
		}
	}
}

// churn rewrites the attachments of every n-th message and keeps the
// invariant consistent checks (one message more, one commit more).
const churn = `BEGIN; UPDATE msg SET att = randomblob(length(att)) WHERE id % ? = 0; INSERT INTO msg(body) VALUES('k'); UPDATE counter SET n = n + 1; COMMIT`

// TestKilledBackupLeavesValidBackup kills a process that keeps updating a
// backup with SIGKILL at 60 random moments; after each kill the backup
// must verify (manifest, every page CRC, integrity_check) and hold one
// consistent state of the database. The moments are drawn over the time
// an update takes on this machine now, from the start of the child's
// first: a fixed window would miss the updates on a loaded machine, where
// everything takes longer. The window widens every 20 kills, reaching the
// child's later updates, and the test goes on (up to 150 kills) until one
// kill has landed inside an update: on a loaded machine the start of a
// child stretches more than its updates do.
func TestKilledBackupLeavesValidBackup(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 60 child processes")
	}
	dir := t.TempDir()
	src, db := newDB(t, dir, true, 6000)
	db.Close()
	dst := src + ".backup"
	mustRun(t, src, dst, Options{})
	db, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(churn, 2); err != nil {
		t.Fatal(err)
	}
	db.Close()
	start := time.Now()
	mustRun(t, src, dst, Options{})
	update := time.Since(start)
	rng := rand.New(rand.NewPCG(42, 42))
	outcomes := map[string]int{}
	for trial := 0; trial < 150 && (trial < 60 || outcomes["clean"] == trial); trial++ {
		window := update * time.Duration(1+trial/20)
		child := testdb.StartChild(t, "TestBackupKillerChild", "DBRESCUE_BACKUP_CHILD="+src)
		if trial%2 == 1 {
			// An update's journal lives for a few milliseconds of a cycle
			// of hundreds: every other kill waits for one to appear, so
			// that kills land inside updates however fast the machine.
			for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if there, _ := exists(dst + JournalSuffix); there {
					break
				}
			}
			time.Sleep(time.Duration(rng.IntN(15000)) * time.Microsecond)
		} else {
			time.Sleep(time.Duration(rng.Int64N(int64(window))))
		}
		child.Kill(t)
		journal, _ := exists(dst + JournalSuffix)
		r := mustVerify(t, dst)
		consistent(t, dst, 6000)
		key := "clean"
		if journal {
			key = "journal " + r.Recovered
		}
		outcomes[key]++
	}
	t.Logf("state found after each kill (over %v): %v", update, outcomes)
	if len(outcomes) == 1 && outcomes["clean"] > 0 {
		t.Errorf("no kill landed inside an update: the test proved nothing")
	}
}
