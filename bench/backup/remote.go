package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/remote"
)

// The store benchmark (-remote) runs against the S3 test server that
// .ci/s3-test-server starts (DBRESCUE_TEST_S3_URL, DBRESCUE_TEST_S3_DIR):
//
//  1. a full backup of the database to it with the dbrescue command
//     (built for the purpose: its time and peak RSS are a user's), beside
//     `cp` of the file into the server's directory (+ sync), in the same
//     run; then a restore;
//  2. a version after 1% of the rows changed: bytes uploaded against the
//     size of the pages that changed (counted by comparing the files);
//  3. under a writer committing -rate transactions a second, -versions
//     consecutive versions; each is then restored and its row digest
//     compared with the source's as of the commit it holds.

// child runs the command line args (the dbrescue command with --json),
// decodes its JSON result into v and returns its wall time and peak RSS
// in MB.
func child(v any, args ...string) (time.Duration, float64, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, 0, fmt.Errorf("%v: %w", args, err)
	}
	rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KB on Linux
	return d, rss, json.Unmarshal(out.Bytes(), v)
}

// buildCLI builds the dbrescue command into dir: the measurements are of
// what a user runs, memory settings included.
func buildCLI(dir string) (string, error) {
	bin := filepath.Join(dir, "dbrescue")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/dbrescue")
	cmd.Stderr = os.Stderr
	return bin, cmd.Run()
}

// cliResult is what the bench reads of the JSON of backup and restore.
type cliResult struct {
	Mode            string `json:"mode"`
	Segments        int    `json:"segments_uploaded"`
	PagesUploaded   int    `json:"pages_uploaded"`
	BytesUploaded   int64  `json:"bytes_uploaded"`
	BytesDownloaded int64  `json:"bytes_downloaded"`
}

func remoteBench(ctx context.Context, db string, rate, versions int, baseline time.Duration, skipLoad bool) error {
	base, dir := os.Getenv("DBRESCUE_TEST_S3_URL"), os.Getenv("DBRESCUE_TEST_S3_DIR")
	if base == "" || dir == "" {
		return errors.New(`no S3 test server: run eval "$(bash .ci/s3-test-server start)" first`)
	}
	if err := checkpoint(ctx, db); err != nil {
		return err
	}
	st0, err := os.Stat(db)
	if err != nil {
		return err
	}
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	_ = exec.Command("sync").Run()
	cpDst := filepath.Join(dir, "bench-cp.db")
	cpT, err := timed(func() error { return exec.Command("sh", "-c", `cp "$1" "$2" && sync "$2"`, "sh", db, cpDst).Run() })
	if err != nil {
		return err
	}
	_ = os.Remove(cpDst)
	_ = exec.Command("sync").Run()
	bin, err := buildCLI(filepath.Dir(db))
	if err != nil {
		return err
	}
	url := remote.TestURL(base, "bench-full")
	var full cliResult
	fullT, fullRSS, err := child(&full, bin, "backup", db, "-o", url, "--json")
	if err != nil {
		return err
	}
	fmt.Printf("| store: `cp` + `sync` of the %.0f MB database into the server's directory | %v |\n", float64(st0.Size())/1e6, r(cpT))
	fmt.Printf("| store: full backup to versitygw on 127.0.0.1 (%s, %d segments, %.0f MB uploaded) | %v = %.2f× cp+sync; peak RSS %.0f MB |\n",
		full.Mode, full.Segments, float64(full.BytesUploaded)/1e6, r(fullT), fullT.Seconds()/cpT.Seconds(), fullRSS)
	out := db + ".restored"
	var rres cliResult
	restT, restRSS, err := child(&rres, bin, "restore", url, "-o", out, "--force", "--json")
	if err != nil {
		return err
	}
	fmt.Printf("| store: restore of that version (download, every page CRC, SHA-256 of the image, integrity_check, rename) | %v = %.2f× cp+sync; %.0f MB downloaded; peak RSS %.0f MB |\n",
		r(restT), restT.Seconds()/cpT.Seconds(), float64(rres.BytesDownloaded)/1e6, restRSS)

	// 1% of the rows change: compare the files' pages to count the pages
	// that changed, then back up.
	if err := os.Rename(out, db+".before"); err != nil {
		return err
	}
	changedRows, err := touchOnePercent(ctx, db)
	if err != nil {
		return err
	}
	if err := checkpoint(ctx, db); err != nil {
		return err
	}
	changed, pageSize, err := changedPages(db+".before", db)
	if err != nil {
		return err
	}
	_ = os.Remove(db + ".before")
	var inc cliResult
	incT, incRSS, err := child(&inc, bin, "backup", db, "-o", url, "--json")
	if err != nil {
		return err
	}
	size := int64(changed) * int64(pageSize)
	fmt.Printf("| store: version after %d rows (1%%) changed | %v, peak RSS %.0f MB; %d pages uploaded, %d pages differ between the files; %.2f MB uploaded (segments and manifest) = %.2f× the %.2f MB of changed pages |\n",
		changedRows, r(incT), incRSS, inc.PagesUploaded, changed, float64(inc.BytesUploaded)/1e6, float64(inc.BytesUploaded)/float64(size), float64(size)/1e6)
	if skipLoad {
		return nil
	}
	return remoteLoad(ctx, db, base, rate, versions, baseline)
}

// changedPages counts the pages that differ between two database files.
func changedPages(a, b string) (int, int, error) {
	fa, err := os.Open(a)
	if err != nil {
		return 0, 0, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return 0, 0, err
	}
	defer fb.Close()
	const ps = 4096
	pa, pb := make([]byte, ps), make([]byte, ps)
	n := 0
	for off := int64(0); ; off += ps {
		na, ea := fa.ReadAt(pa, off)
		nb, eb := fb.ReadAt(pb, off)
		if na == 0 && nb == 0 {
			return n, ps, nil
		}
		if !bytes.Equal(pa[:na], pb[:nb]) {
			n++
		}
		if ea != nil && !errors.Is(ea, io.EOF) {
			return 0, 0, ea
		}
		if eb != nil && !errors.Is(eb, io.EOF) {
			return 0, 0, eb
		}
	}
}

// remoteLoad takes versions one after the other while a writer commits,
// then restores each and compares it with the source as of its commit.
func remoteLoad(ctx context.Context, db, base string, rate, versions int, baseline time.Duration) error {
	url := remote.TestURL(base, "bench-load")
	st, err := remote.Open(ctx, url)
	if err != nil {
		return err
	}
	w, err := startWriter(db, rate, baseline)
	if err != nil {
		return err
	}
	a0, a1, latFile := w.a0, w.a1, w.latFile
	var made []*backup.StoreResult
	var windows [][2]time.Time
	var runErr error
	for i := 0; i < versions && runErr == nil; i++ {
		b0 := time.Now()
		var res *backup.StoreResult
		res, runErr = backup.RunToStore(ctx, db, st, backup.StoreOptions{})
		windows = append(windows, [2]time.Time{b0, time.Now()})
		if runErr == nil {
			made = append(made, res)
		}
	}
	if err := w.stop(); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("backup under load: %w", runErr)
	}
	starts, lats, err := readLatencies(latFile)
	if err != nil {
		return err
	}
	without, with := window(starts, lats, [][2]time.Time{{a0, a1}}), window(starts, lats, windows)
	var busy time.Duration
	var up int64
	for i, w := range windows {
		busy += w[1].Sub(w[0])
		if i > 0 {
			up += made[i].BytesWritten
		}
	}
	fmt.Printf("| store, under a writer at %d tx/s: %d consecutive versions | %v in all (%v per version after the first); %.1f MB uploaded by the %d incremental versions; writer p99 %v without, %v during (%.2f×) |\n",
		rate, len(made), busy.Round(time.Millisecond), (busy-windows[0][1].Sub(windows[0][0])).Round(time.Millisecond)/time.Duration(max(1, len(made)-1)),
		float64(up)/1e6, len(made)-1, without.p99.Round(time.Microsecond), with.p99.Round(time.Microsecond), with.p99.Seconds()/without.p99.Seconds())
	equal := 0
	out := db + ".restored"
	var slowest time.Duration
	for _, v := range made {
		d, err := timed(func() error {
			_, err := backup.RestoreFromStore(ctx, st, out, backup.StoreReadOptions{Selector: backup.Selector{ID: v.Version}, Force: true})
			return err
		})
		if err != nil {
			return fmt.Errorf("restore of version %s: %w", v.Version, err)
		}
		slowest = max(slowest, d)
		ok, k, n, err := sameAsCommit(ctx, out, db)
		if err != nil {
			return err
		}
		if ok {
			equal++
		} else {
			fmt.Printf("| version %s | holds commit %d, %d rows: row digest differs from the source as of that commit |\n", v.Version, k, n)
		}
	}
	_ = os.Remove(out)
	fmt.Printf("| store, each of the %d versions restored (every page CRC, SHA-256 of the image, integrity_check) | %d of %d have the row digest of the source as of the commit they hold; slowest restore %v |\n",
		len(made), equal, len(made), slowest.Round(time.Millisecond))
	return nil
}

// sameAsCommit compares the restored database's rows with the source's
// as of the commit the restored one holds (the writer numbers its rows
// with their commit; see runWriter).
func sameAsCommit(ctx context.Context, restored, db string) (bool, int64, int, error) {
	b, err := sql.Open("sqlite", "file:"+restored+"?mode=ro&immutable=1")
	if err != nil {
		return false, 0, 0, err
	}
	defer b.Close()
	var k int64
	if err := b.QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&k); err != nil {
		return false, 0, 0, err
	}
	s, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return false, 0, 0, err
	}
	defer s.Close()
	got, n1, err := rowDigest(ctx, b, `SELECT id, seq, b FROM t ORDER BY id`)
	if err != nil {
		return false, 0, 0, err
	}
	want, n2, err := rowDigest(ctx, s, `SELECT id, seq, b FROM t WHERE seq <= ? ORDER BY id`, k)
	if err != nil {
		return false, 0, 0, err
	}
	return got == want && n1 == n2, k, n1, nil
}
