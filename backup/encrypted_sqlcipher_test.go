package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/ciphertest"
	"github.com/dbrescue/dbrescue/remote"
)

const cipherKeySQL = "'backup test key'"

// batchesSQL commits n transactions, each inserting the two rows of one
// batch (the second with a page-sized blob, so that transactions span
// pages): a snapshot holds both rows of a batch or neither.
func batchesSQL(first, n int) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "BEGIN; INSERT INTO log VALUES (%d, 1, NULL); INSERT INTO log VALUES (%d, 2, randomblob(3000)); COMMIT;\n", i, i)
	}
	return b.String()
}

// checkSnapshot opens a copy of the database file at path with SQLCipher
// and the key: integrity_check must say ok and every batch must be whole.
// It returns the number of batches.
func checkSnapshot(t *testing.T, tool ciphertest.Tool, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "check.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rows := tool.MustExec(t, cp, cipherKeySQL, nil, `PRAGMA integrity_check;
SELECT count(*) FROM (SELECT batch FROM log GROUP BY batch HAVING count(*) != 2);
SELECT count(DISTINCT batch) FROM log;`)
	want := [][]any{{"ok"}, {int64(0)}}
	if diff := cmp.Diff(want, rows[:2]); diff != "" {
		t.Fatalf("the backup is not one snapshot (-want +got):\n%s", diff)
	}
	return rows[2][0].(int64)
}

// TestEncryptedConcurrentWriter backs up a SQLCipher 4 database, to a
// file and to a store, while another process commits transactions: in WAL
// mode checkpointing every few pages, in rollback-journal mode waiting for
// the backup's SHARED lock. Every backup is one committed snapshot
// (SQLCipher opens it with the key, integrity_check ok, no half
// transaction), the writer is never blocked for good, and nothing is
// created beside the database that SQLCipher did not create itself.
func TestEncryptedConcurrentWriter(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"wal", "delete"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			concurrentWriter(t, mode)
		})
	}
}

func concurrentWriter(t *testing.T, mode string) {
	tool := ciphertest.Find(t, 4)
	db := filepath.Join(t.TempDir(), "app.db")
	pragmas := []string{"PRAGMA journal_mode = " + mode, "PRAGMA wal_autocheckpoint = 8"}
	tool.MustExec(t, db, cipherKeySQL, pragmas, "CREATE TABLE log(batch INTEGER, part INTEGER, pad BLOB);\n"+batchesSQL(0, 50))

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var writerErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ctx.Err() == nil; i++ {
			// Ended as by a crash: the WAL (and a stale -shm) stay for
			// the next writer, which checkpoints as it goes.
			if _, err := tool.Exec(db, cipherKeySQL, append(pragmas, "PRAGMA busy_timeout = 5000"), batchesSQL(i*1000, 60), true); err != nil {
				writerErr = err
				return
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	bk := filepath.Join(t.TempDir(), "app.db.backup")
	st, err := remote.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	wal := 0
	for i := range 4 {
		res, err := Run(context.Background(), db, bk, Options{Pause: NoPause})
		if err != nil {
			cancel()
			wg.Wait()
			t.Fatalf("backup %d: %v", i, err)
		}
		if res.Snapshot.JournalMode == "wal" {
			wal++
		}
		n := checkSnapshot(t, tool, bk)
		t.Logf("backup %d: %s, %d pages written of %d, %d batches, from %s, %d restarts, %d busy retries",
			i, res.Mode, res.PagesWritten, res.PageCount, n, res.PagesReadFrom, res.Restarts, res.BusyRetries)
		if n < last {
			t.Errorf("backup %d holds %d batches, an earlier one %d", i, n, last)
		}
		last = n
		if i%2 == 0 {
			sr, err := RunToStore(context.Background(), db, st, StoreOptions{Options: Options{Pause: NoPause}})
			if err != nil {
				t.Fatalf("store backup %d: %v", i, err)
			}
			restored := filepath.Join(t.TempDir(), "r.db")
			if _, err := RestoreFromStore(context.Background(), st, restored, StoreReadOptions{}); err != nil {
				t.Fatal(err)
			}
			t.Logf("store version %s: %d pages uploaded, %d batches", sr.Version, sr.PagesWritten, checkSnapshot(t, tool, restored))
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if writerErr != nil {
		t.Fatalf("the writer failed: %v", writerErr)
	}
	if mode == "wal" && wal == 0 {
		t.Error("no backup saw WAL content: the test did not exercise the WAL overlay")
	}
	for _, e := range dirEntries(t, filepath.Dir(db)) {
		if e != "app.db" && e != "app.db-wal" && e != "app.db-shm" {
			t.Errorf("unexpected file beside the database: %s", e)
		}
	}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestEncSourceBlocksCheckpoint: while encSource holds its locks, a
// SQLCipher process's checkpoint (and its close, which checkpoints and
// deletes the WAL) cannot write the database file; once they are
// released, the same checkpoint does (the control).
func TestEncSourceBlocksCheckpoint(t *testing.T) {
	t.Parallel()
	tool := ciphertest.Find(t, 4)
	db := filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, db, cipherKeySQL, []string{"PRAGMA journal_mode = WAL"}, "CREATE TABLE log(batch INTEGER, part INTEGER, pad BLOB);")
	if _, err := tool.Exec(db, cipherKeySQL, []string{"PRAGMA wal_autocheckpoint = 0"}, batchesSQL(0, 20), true); err != nil {
		t.Fatal(err)
	}
	before := sha(t, db)
	o := Options{}.withDefaults()
	s, err := openEncSource(context.Background(), db, &Encryption{}, &o, &Result{})
	if err != nil {
		t.Fatal(err)
	}
	if s.shm == nil {
		t.Fatal("no -shm lock taken")
	}
	rows := tool.MustExec(t, db, cipherKeySQL, nil, "PRAGMA wal_checkpoint(PASSIVE);")
	if sha(t, db) != before {
		t.Errorf("a checkpoint wrote the database file under the locks (it said %v)", rows)
	}
	// PASSIVE reports (busy, frames in the log, frames checkpointed).
	if len(rows) != 1 || len(rows[0]) != 3 || rows[0][1] == int64(0) || rows[0][2] != int64(0) {
		t.Errorf("the checkpoint under the locks says %v, want no frame of a non-empty log checkpointed", rows)
	}
	s.close()
	tool.MustExec(t, db, cipherKeySQL, nil, "PRAGMA wal_checkpoint(PASSIVE);")
	if sha(t, db) == before {
		t.Error("control: the checkpoint without the locks changed nothing either")
	}
}

// TestEncSourceBlocksRollbackWriter: in rollback-journal mode, while
// encSource holds SHARED, a SQLCipher writer cannot commit (it cannot
// take EXCLUSIVE) and the file keeps its hash; once released, it can.
func TestEncSourceBlocksRollbackWriter(t *testing.T) {
	t.Parallel()
	tool := ciphertest.Find(t, 4)
	db := filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, db, cipherKeySQL, nil, "CREATE TABLE log(batch INTEGER, part INTEGER, pad BLOB);\n"+batchesSQL(0, 5))
	before := sha(t, db)
	o := Options{}.withDefaults()
	s, err := openEncSource(context.Background(), db, &Encryption{}, &o, &Result{})
	if err != nil {
		t.Fatal(err)
	}
	update := "UPDATE log SET part = part + 10;"
	if _, err := tool.Exec(db, cipherKeySQL, []string{"PRAGMA busy_timeout = 0"}, update, false); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("a writer under the SHARED lock: %v, want database is locked", err)
	}
	if sha(t, db) != before {
		t.Error("the database file changed under the SHARED lock")
	}
	s.close()
	tool.MustExec(t, db, cipherKeySQL, []string{"PRAGMA busy_timeout = 0"}, update)
	if sha(t, db) == before {
		t.Error("control: the writer changed nothing once the lock was released")
	}
}
