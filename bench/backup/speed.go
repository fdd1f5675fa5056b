package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/dbrescue/dbrescue/backup"
)

// speed compares a full backup with cp, then measures an incremental
// backup after 1% of the rows (about 1% of the pages) changed. The runs of
// cp, cp + sync and the backup are interleaved, each after a sync, so that
// the disk's good and bad moments (this machine's virtual disk varies from
// 0.4 to 2.5 GB/s) fall on all of them alike; medians are reported.
func speed(ctx context.Context, db string, runs, step int, pause time.Duration) error {
	dst := db + ".backup"
	cpDst := db + ".cp"
	var cpT, cpSyncT, fullT, apiT []time.Duration
	var full *backup.Result
	var api backup.Result
	var phases *phaseClock
	settle := func() {
		_ = os.Remove(cpDst)
		removeBackup(dst)
		_ = exec.Command("sync").Run()
	}
	for i := 0; i < runs; i++ {
		settle()
		d, err := timed(func() error { return exec.Command("cp", db, cpDst).Run() })
		if err != nil {
			return err
		}
		cpT = append(cpT, d)
		settle()
		d, err = timed(func() error { return exec.Command("sh", "-c", `cp "$1" "$2" && sync "$2"`, "sh", db, cpDst).Run() })
		if err != nil {
			return err
		}
		cpSyncT = append(cpSyncT, d)
		settle()
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
		settle()
		// In a process of its own: after SQLite's copy in this process,
		// the next copy's write() calls ran 2-4x slower (measured with an
		// earlier version that wrote every page from memory; the time
		// went to copying into the page cache; cause not found), which a
		// user's one backup per process never meets.
		d, err = timed(func() error {
			out, err := exec.Command(os.Args[0], "-api-backup", dst, "-step-pages", strconv.Itoa(step), "-pause", pause.String(), db).Output()
			if err == nil {
				err = json.Unmarshal(out, &api)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("backup with the backup API: %w", err)
		}
		apiT = append(apiT, d)
	}
	cp, cps, fb, ab := median(cpT), median(cpSyncT), median(fullT), median(apiT)
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	fmt.Printf("| `cp` of the database file (page cache warm, no fsync) | %v (median of %d; %v) |\n", r(cp), runs, rounded(cpT))
	fmt.Printf("| `cp` + `sync` of the copy | %v (%v) |\n", r(cps), rounded(cpSyncT))
	fmt.Printf("| full backup (%s from %s, %d pages/step, page CRCs, metadata backup, fsync; writers seen %v) | %v = %.2f× cp, %.2f× cp+sync (%v); %d pages, %d steps |\n",
		full.CopiedWith, full.PagesReadFrom, step, full.WritersSeen, r(fb), fb.Seconds()/cp.Seconds(), fb.Seconds()/cps.Seconds(), rounded(fullT), full.PageCount, full.Steps)
	fmt.Printf("| full backup, by phase (last run) | %s |\n", phases)
	fmt.Printf("| full backup with `--backup-api` (%s) | %v = %.2f× cp, %.2f× cp+sync (%v); %d steps |\n",
		api.CopiedWith, r(ab), ab.Seconds()/cp.Seconds(), ab.Seconds()/cps.Seconds(), rounded(apiT), api.Steps)

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
		changed, r(d), inc.PagesWritten, inc.PageCount, 100*float64(inc.PagesWritten)/float64(inc.PageCount), inc.JournalBytes, inc.PagesReadFrom)
	rep, err := backup.Verify(ctx, dst)
	if err != nil {
		return err
	}
	fmt.Printf("| verify after the incremental backup | ok=%v (%v) |\n", rep.OK, rep.Problems)
	_ = os.Remove(cpDst)
	return nil
}

// rounded lists durations to the millisecond, in run order.
func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
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
// what comes before the first copy step is reported (opening the snapshot,
// matching the files to it), the copy, and what follows it (waiting for
// the metadata capture that runs alongside, fsync, manifest, rename).
type phaseClock struct {
	start, first, last, end time.Time
}

func newPhaseClock() *phaseClock { return &phaseClock{start: time.Now()} }

func (c *phaseClock) progress(p backup.Progress) {
	if p.Phase != backup.PhaseCopy {
		return
	}
	if c.first.IsZero() {
		c.first = time.Now()
	}
	c.last = time.Now()
}

func (c *phaseClock) stop() { c.end = time.Now() }

func (c *phaseClock) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("snapshot opened, first step copied %v; copy %v; then metadata capture wait + fsync + manifest %v",
		r(c.first.Sub(c.start)), r(c.last.Sub(c.first)), r(c.end.Sub(c.last)))
}
