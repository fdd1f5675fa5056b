package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/dbrescue/dbrescue/backup"
)

// load runs the writer process, measures its commit latency for baseline
// without a backup, then during backups full backups taken one after the
// other (a backup takes well under a second, too few commits for a p99
// of one), and checks the last backup against the reference snapshot.
func load(ctx context.Context, db string, rate int, baseline time.Duration, step int, pause time.Duration, backups int, api bool) error {
	if err := checkpoint(ctx, db); err != nil {
		return err
	}
	w, err := startWriter(db, rate, baseline)
	if err != nil {
		return err
	}
	a0, a1, latFile := w.a0, w.a1, w.latFile
	dst := db + ".backup"
	var res *backup.Result
	var windows [][2]time.Time
	for i := 0; i < backups && err == nil; i++ {
		removeBackup(dst)
		time.Sleep(300 * time.Millisecond) // let the removal settle outside the window
		b0 := time.Now()
		res, err = backup.Run(ctx, db, dst, backup.Options{StepPages: step, Pause: pause, BackupAPI: api})
		windows = append(windows, [2]time.Time{b0, time.Now()})
	}
	if werr := w.stop(); werr != nil {
		return werr
	}
	if err != nil {
		return fmt.Errorf("backup under load: %w", err)
	}
	walSize := int64(0)
	if st, err := os.Stat(db + "-wal"); err == nil {
		walSize = st.Size()
	}
	starts, lats, err := readLatencies(latFile)
	if err != nil {
		return err
	}
	without := window(starts, lats, [][2]time.Time{{a0, a1}})
	with := window(starts, lats, windows)
	first := window(starts, lats, windows[:1])
	slowest(starts, lats, windows)
	var busy time.Duration
	for _, w := range windows {
		busy += w[1].Sub(w[0])
	}
	fmt.Printf("| writer without a backup (%v window) | %s |\n", a1.Sub(a0).Round(time.Second), without)
	fmt.Printf("| writer during %d full backups (%s, pause %v, writers seen %v; %v in all) | %s |\n", len(windows), res.CopiedWith, pauseName(pause), res.WritersSeen, busy.Round(time.Millisecond), with)
	fmt.Printf("| writer during the first of them (%v) | %s |\n", windows[0][1].Sub(windows[0][0]).Round(time.Millisecond), first)
	fmt.Printf("| commit-latency p99, with ÷ without backup | %.2f× over the %d backups, %.2f× over the first (target ≤ 2×) |\n",
		with.p99.Seconds()/without.p99.Seconds(), len(windows), first.p99.Seconds()/without.p99.Seconds())
	fmt.Printf("| last backup under load | %s, %d pages, %d steps, %d restarts, WAL %0.f MB afterwards |\n", res.Mode, res.PageCount, res.Steps, res.Restarts, float64(walSize)/1e6)
	return checkSnapshot(ctx, db, dst)
}

// writerProc is the writer process of a load test, started by
// startWriter: it has run for baseline without a backup, between a0 and
// a1, and saves its commit latencies to latFile when stopped.
type writerProc struct {
	cmd     *exec.Cmd
	stdin   io.Closer
	latFile string
	a0, a1  time.Time
}

// startWriter starts the writer (this program with -writer) on db at rate
// commits a second, lets it settle, then measures it for baseline with no
// backup running.
func startWriter(db string, rate int, baseline time.Duration) (*writerProc, error) {
	w := &writerProc{latFile: db + ".latencies"}
	w.cmd = exec.Command(os.Args[0], "-writer", db, "-rate", strconv.Itoa(rate), "-latencies", w.latFile)
	w.cmd.Stderr = os.Stderr
	stdin, err := w.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	w.stdin = stdin
	if err := w.cmd.Start(); err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Second)
	w.a0 = time.Now()
	time.Sleep(baseline)
	w.a1 = time.Now()
	return w, nil
}

// stop lets the writer run one more second, then ends it.
func (w *writerProc) stop() error {
	time.Sleep(time.Second)
	w.stdin.Close()
	if err := w.cmd.Wait(); err != nil {
		return fmt.Errorf("writer: %w", err)
	}
	return nil
}

type stats struct {
	n             int
	perSec        float64
	p50, p99, max time.Duration
}

func (s stats) String() string {
	return fmt.Sprintf("%d commits, %.0f/s; latency p50 %v, p99 %v, max %v", s.n, s.perSec,
		s.p50.Round(time.Microsecond), s.p99.Round(time.Microsecond), s.max.Round(time.Microsecond))
}

// inWindows reports whether the commit started at ns (Unix nanoseconds)
// started inside one of the windows.
func inWindows(ns int64, windows [][2]time.Time) bool {
	for _, w := range windows {
		if ns >= w[0].UnixNano() && ns < w[1].UnixNano() {
			return true
		}
	}
	return false
}

// window summarises the commits that started inside the windows.
func window(starts, lats []int64, windows [][2]time.Time) stats {
	var in []time.Duration
	var span time.Duration
	for _, w := range windows {
		span += w[1].Sub(w[0])
	}
	for i, s := range starts {
		if inWindows(s, windows) {
			in = append(in, time.Duration(lats[i]))
		}
	}
	if len(in) == 0 {
		return stats{}
	}
	slices.Sort(in)
	pct := func(p float64) time.Duration { return in[min(len(in)-1, int(p*float64(len(in))))] }
	return stats{n: len(in), perSec: float64(len(in)) / span.Seconds(), p50: pct(0.50), p99: pct(0.99), max: in[len(in)-1]}
}

func readLatencies(path string) ([]int64, []int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var starts, lats []int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s, l int64
		if _, err := fmt.Sscan(sc.Text(), &s, &l); err != nil {
			return nil, nil, err
		}
		starts, lats = append(starts, s), append(lats, l)
	}
	return starts, lats, sc.Err()
}

// checkSnapshot verifies the backup and compares it with the reference
// snapshot of the commit it holds: the writer only appends rows numbered
// with their commit, so the source's rows with seq <= K are the database
// as of commit K. Both sides are hashed row by row.
func checkSnapshot(ctx context.Context, db, dst string) error {
	rep, err := backup.Verify(ctx, dst)
	if err != nil {
		return err
	}
	b, err := sql.Open("sqlite", "file:"+dst+"?mode=ro&immutable=1")
	if err != nil {
		return err
	}
	defer b.Close()
	var k, maxSeq int64
	if err := b.QueryRowContext(ctx, `SELECT (SELECT n FROM counter), (SELECT max(seq) FROM t)`).Scan(&k, &maxSeq); err != nil {
		return err
	}
	s, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return err
	}
	defer s.Close()
	got, n1, err := rowDigest(ctx, b, `SELECT id, seq, b FROM t ORDER BY id`)
	if err != nil {
		return err
	}
	want, n2, err := rowDigest(ctx, s, `SELECT id, seq, b FROM t WHERE seq <= ? ORDER BY id`, k)
	if err != nil {
		return err
	}
	fmt.Printf("| backup vs reference snapshot | holds commit %d (max seq %d); %d rows, reference %d rows; row digests equal: %v; verify (page CRCs + integrity_check): %v %v |\n",
		k, maxSeq, n1, n2, got == want, rep.OK, rep.Problems)
	return nil
}

func rowDigest(ctx context.Context, db *sql.DB, q string, args ...any) ([32]byte, int, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return [32]byte{}, 0, err
	}
	defer rows.Close()
	h := sha256.New()
	n := 0
	for rows.Next() {
		var id, seq int64
		var blob []byte
		if err := rows.Scan(&id, &seq, &blob); err != nil {
			return [32]byte{}, 0, err
		}
		fmt.Fprintf(h, "%d|%d|%x\n", id, seq, blob)
		n++
	}
	var d [32]byte
	h.Sum(d[:0])
	return d, n, rows.Err()
}

// slowest tells on stderr when the ten slowest commits during the backups
// started (as offsets from the start of their backup), to see what they
// line up with.
func slowest(starts, lats []int64, windows [][2]time.Time) {
	type c struct{ off, lat time.Duration }
	var in []c
	for i, s := range starts {
		for _, w := range windows {
			if s >= w[0].UnixNano() && s < w[1].UnixNano() {
				in = append(in, c{time.Duration(s - w[0].UnixNano()), time.Duration(lats[i])})
			}
		}
	}
	slices.SortFunc(in, func(a, b c) int { return int(b.lat - a.lat) })
	fmt.Fprintf(os.Stderr, "slowest commits during the backups (offset from the backup's start: latency):")
	for _, x := range in[:min(10, len(in))] {
		fmt.Fprintf(os.Stderr, " %v: %v", x.off.Round(time.Millisecond), x.lat.Round(10*time.Microsecond))
	}
	fmt.Fprintln(os.Stderr)
}

// pauseName says which pace a backup ran at.
func pauseName(p time.Duration) string {
	switch {
	case p == 0:
		return "automatic"
	case p < 0:
		return "none (full speed)"
	}
	return p.String()
}
