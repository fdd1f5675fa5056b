package backup

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/remote"
)

// TestStoreKillerChild is the child of TestKilledStoreBackup: it changes
// the database and backs it up to the store, over and over, until killed.
func TestStoreKillerChild(t *testing.T) {
	src, url := os.Getenv("DBRESCUE_STORE_CHILD_DB"), os.Getenv("DBRESCUE_STORE_CHILD_URL")
	if src == "" {
		t.Skip("child process of TestKilledStoreBackup")
	}
	st, err := remote.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	testdb.ChildReady()
	for i := 0; ; i++ {
		if _, err := db.Exec(`BEGIN; UPDATE msg SET att = randomblob(length(att)) WHERE id % ? = 0; INSERT INTO msg(body) VALUES('k'); UPDATE counter SET n = n + 1; COMMIT`, 20+rng.IntN(200)); err != nil {
			t.Fatal(err)
		}
		if _, err := RunToStore(context.Background(), src, st, StoreOptions{SegmentSize: 256 << 10, Options: Options{Full: i%5 == 4}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKilledStoreBackup kills a process that keeps adding versions to a
// store (S3 when the test server runs, else a directory) with SIGKILL at
// 50 random moments. After each kill the newest version must verify
// (every frame, the digest, integrity_check) and restore to one
// consistent state of the database, and the next run must complete;
// at the end a prune clears what the killed runs left.
func TestKilledStoreBackup(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 50 child processes")
	}
	url := os.Getenv("DBRESCUE_TEST_S3_URL")
	if url != "" {
		url = remote.TestURL(url, t.Name())
	} else {
		url = "file://" + t.TempDir()
	}
	st, err := remote.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, db := newDB(t, dir, true, 6000)
	db.Close()
	mustRunToStore(t, src, st, StoreOptions{SegmentSize: 256 << 10})
	rng := rand.New(rand.NewPCG(43, 43))
	outcomes := map[string]int{}
	ctx := context.Background()
	seen := map[string]bool{}
	for trial := 0; trial < 50; trial++ {
		child := testdb.StartChild(t, "TestStoreKillerChild", "DBRESCUE_STORE_CHILD_DB="+src, "DBRESCUE_STORE_CHILD_URL="+url)
		time.Sleep(time.Duration(100+rng.IntN(900)) * time.Millisecond)
		child.Kill(t)
		// A run deletes its lock when its version is complete: a lock
		// that was not there before the child ran is a run it was in.
		key := "between runs"
		for _, k := range keys(t, st, lockDir) {
			if !seen[k] {
				seen[k] = true
				key = "inside a run"
			}
		}
		outcomes[key]++
		// A restore checks what verify checks (every frame, the digest,
		// integrity_check); verify itself runs every fifth trial.
		if trial%5 == 0 {
			rep, err := VerifyStore(ctx, st, StoreReadOptions{})
			if err != nil || !rep.OK {
				t.Fatalf("trial %d: the newest version does not verify: %v %v", trial, err, rep.Problems)
			}
		}
		out := filepath.Join(t.TempDir(), "r.db")
		if _, err := RestoreFromStore(ctx, st, out, StoreReadOptions{}); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		consistent(t, out, 6000)
	}
	t.Logf("where the kills landed: %v; %d versions", outcomes, len(mustList(t, st)))
	if outcomes["inside a run"] == 0 {
		t.Errorf("no kill landed inside a run: the test proved nothing")
	}
	res := mustRunToStore(t, src, st, StoreOptions{Options: Options{Force: true}})
	out := mustRestoreFromStore(t, st, StoreReadOptions{Selector: Selector{ID: res.Version}})
	consistent(t, out, 6000)
	if got, want := rowsOf(t, out), rowsOf(t, src); len(got) != len(want) {
		t.Errorf("the run after the kills holds %d rows, the database %d", len(got), len(want))
	}
	pr, err := Prune(ctx, st, nil, Retention{Keep: 1, Stale: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if left := keys(t, st, lockDir); len(left) != 0 {
		t.Errorf("locks of killed runs left after a prune: %v", left)
	}
	t.Logf("prune after the kills: %d versions and %d segments deleted (%d bytes)", len(pr.VersionsDeleted), pr.SegmentsDeleted, pr.BytesFreed)
	mustVerifyStore(t, st)
}

func mustVerifyStore(t *testing.T, st remote.Store) {
	t.Helper()
	rep, err := VerifyStore(context.Background(), st, StoreReadOptions{})
	if err != nil || !rep.OK {
		t.Fatalf("verify %s: %v %v", st, err, rep.Problems)
	}
}
