package recover_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbrescue/dbrescue/recover"
)

// FuzzRepair repairs arbitrary bytes as a database. It must never panic or
// hang, whatever it reports as recovered must pass integrity_check, and a
// verdict of complete must come with no reason and no known loss.
// Seeds in testdata/fuzz/FuzzRepair are small real databases (the seeds
// of btree's FuzzOpenAndWalk).
func FuzzRepair(f *testing.F) {
	f.Fuzz(func(t *testing.T, db []byte) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.db")
		if err := os.WriteFile(in, db, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Deleted: the undelete pass reads free space, the most hostile
		// bytes of all, after everything else a repair does.
		rep, err := recover.Repair(ctx, in, recover.Options{Output: filepath.Join(dir, "out.db"), Deleted: true})
		if err != nil {
			return
		}
		if rep.Integrity != "ok" {
			t.Fatalf("integrity_check of the output: %s", rep.Integrity)
		}
		if rep.Status == recover.StatusComplete && (len(rep.Reasons) > 0 || rep.Totals.KnownLost > 0 || rep.Totals.InLostAndFound > 0) {
			t.Fatalf("complete, yet reasons %+v, totals %+v", rep.Reasons, rep.Totals)
		}
	})
}
