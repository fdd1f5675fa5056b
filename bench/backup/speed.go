package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/dbrescue/dbrescue/backup"
)

// speed compares a full backup with cp, then measures an incremental
// backup after 1% of the rows (about 1% of the pages) changed.
func speed(ctx context.Context, db string, runs, step int, pause time.Duration) error {
	dst := db + ".backup"
	cpDst := db + ".cp"
	var cpT, cpSyncT, fullT []time.Duration
	var full *backup.Result
	var phases *phaseClock
	for i := 0; i < runs; i++ {
		_ = os.Remove(cpDst)
		d, err := timed(func() error { return exec.Command("cp", db, cpDst).Run() })
		if err != nil {
			return err
		}
		cpT = append(cpT, d)
		_ = os.Remove(cpDst)
		d, err = timed(func() error { return exec.Command("sh", "-c", `cp "$1" "$2" && sync "$2"`, "sh", db, cpDst).Run() })
		if err != nil {
			return err
		}
		cpSyncT = append(cpSyncT, d)
		_ = os.Remove(cpDst)
		removeBackup(dst)
		phases = newPhaseClock()
		d, err = timed(func() error {
			full, err = backup.Run(ctx, db, dst, backup.Options{StepPages: step, Pause: pause, Progress: phases.progress})
			return err
		})
		phases.stop()
		if err != nil {
			return err
		}
		fullT = append(fullT, d)
	}
	cp, cps, fb := median(cpT), median(cpSyncT), median(fullT)
	fmt.Printf("| `cp` of the database file (page cache warm, no fsync) | %v (median of %d) |\n", cp.Round(time.Millisecond), runs)
	fmt.Printf("| `cp` + `sync` of the copy | %v |\n", cps.Round(time.Millisecond))
	fmt.Printf("| full backup (backup API, %d pages/step, page CRCs, metadata backup, fsync) | %v = %.2f× cp, %.2f× cp+sync; %d pages, %d steps |\n",
		step, fb.Round(time.Millisecond), fb.Seconds()/cp.Seconds(), fb.Seconds()/cps.Seconds(), full.PageCount, full.Steps)
	fmt.Printf("| full backup, by phase (last run) | %s |\n", phases)

	changed, err := touchOnePercent(ctx, db)
	if err != nil {
		return err
	}
	var inc *backup.Result
	d, err := timed(func() error {
		inc, err = backup.Run(ctx, db, dst, backup.Options{StepPages: step, Pause: pause})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("| incremental backup after %d rows (1%%) changed | %v; %d of %d pages written (%.2f%%), journal %d bytes, pages read from %s |\n",
		changed, d.Round(time.Millisecond), inc.PagesWritten, inc.PageCount, 100*float64(inc.PagesWritten)/float64(inc.PageCount), inc.JournalBytes, inc.PagesReadFrom)
	rep, err := backup.Verify(ctx, dst)
	if err != nil {
		return err
	}
	fmt.Printf("| verify after the incremental backup | ok=%v (%v) |\n", rep.OK, rep.Problems)
	_ = os.Remove(cpDst)
	return nil
}

// touchOnePercent rewrites the blob of every 100th row in one transaction.
func touchOnePercent(ctx context.Context, db string) (int64, error) {
	s, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer s.Close()
	res, err := s.ExecContext(ctx, `UPDATE t SET b = randomblob(length(b)) WHERE id % 100 = 0`)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func removeBackup(dst string) {
	for _, sfx := range []string{"", backup.ManifestSuffix, backup.JournalSuffix} {
		_ = os.Remove(dst + sfx)
	}
}

func timed(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// phaseClock times the phases of one backup from its progress reports:
// what comes before the first copy step (opening the snapshot, the
// metadata capture), the backup API's copy, and hashing + fsync + commit.
type phaseClock struct {
	start time.Time
	at    map[string]time.Time
	end   time.Time
}

func newPhaseClock() *phaseClock {
	return &phaseClock{start: time.Now(), at: map[string]time.Time{}}
}

func (c *phaseClock) progress(p backup.Progress) {
	if _, ok := c.at[p.Phase]; !ok {
		c.at[p.Phase] = time.Now()
	}
}

func (c *phaseClock) stop() { c.end = time.Now() }

func (c *phaseClock) String() string {
	copyAt, hashAt := c.at[backup.PhaseCopy], c.at[backup.PhaseHash]
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("snapshot + metadata capture %v, backup API copy %v, page CRCs + fsync + commit %v",
		r(copyAt.Sub(c.start)), r(hashAt.Sub(copyAt)), r(c.end.Sub(hashAt)))
}
