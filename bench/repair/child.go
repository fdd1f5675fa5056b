package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

// result is what the child reports.
type result struct {
	Seconds      float64 `json:"seconds"`
	CheckSeconds float64 `json:"check_seconds"`
	InputMB      float64 `json:"input_mb"`
	Rows         int     `json:"rows"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	Status       string  `json:"status"`
	Integrity    string  `json:"integrity"`
	Paths        string  `json:"paths"`
}

// repairChild repairs path into out and prints the result as JSON. The
// integrity_check's share is timed from the progress callback: its phase
// starts at (0, 0) and ends at (1, 1).
func repairChild(path, out, meta, cpu string, noBulk, noCheck bool) error {
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	var checkStart, checkEnd time.Time
	var phases []string
	var phaseStart []time.Time
	// The peak resident size of each phase, sampled, on stderr: where
	// the memory goes.
	var mu sync.Mutex
	phaseRSS := map[string]float64{}
	current := "open"
	stopSampling := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if rss := statusMB("VmRSS:"); rss > 0 {
				mu.Lock()
				phaseRSS[current] = max(phaseRSS[current], rss)
				mu.Unlock()
			}
		}
	}()
	var metas []string
	if meta != "" {
		metas = []string{meta}
	}
	opts := recover.Options{Output: out, Force: true, MetaPaths: metas, BoundHeap: true, NoBulk: noBulk, SkipIntegrityCheck: noCheck, Progress: func(phase string, done, _ int) {
		if len(phases) == 0 || phases[len(phases)-1] != phase {
			phases, phaseStart = append(phases, phase), append(phaseStart, time.Now())
			mu.Lock()
			current = phase
			mu.Unlock()
		}
		if phase == recover.PhaseCheck {
			if done == 0 {
				checkStart = time.Now()
			} else {
				checkEnd = time.Now()
			}
		}
	}}
	start := time.Now()
	rep, err := recover.Repair(context.Background(), path, opts)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	// Where the time went, on stderr: each phase from its first report
	// to the next phase's.
	phaseStart = append(phaseStart, time.Now())
	var spans []string
	close(stopSampling)
	mu.Lock()
	for i, p := range phases {
		spans = append(spans, fmt.Sprintf("%s %.2fs (RSS %.0f MB)", p, phaseStart[i+1].Sub(phaseStart[i]).Seconds(), phaseRSS[p]))
	}
	mu.Unlock()
	if len(phaseStart) > 1 {
		spans = append([]string{fmt.Sprintf("open %.2fs (RSS %.0f MB)", phaseStart[0].Sub(start).Seconds(), phaseRSS["open"])}, spans...)
	}
	fmt.Fprintln(os.Stderr, "phases:", strings.Join(spans, ", "))
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	// ru_maxrss survives exec: a child forked from a large parent would
	// report the parent's size. VmHWM is this program's own peak.
	peak := statusMB("VmHWM:")
	n := 0
	paths := map[string]int{}
	for _, t := range rep.Tables {
		n += t.RowsWritten
		paths[t.Path]++
	}
	for _, l := range rep.LostAndFound {
		n += l.Rows
		paths[l.Path]++
	}
	var ps []string
	for p, k := range paths {
		ps = append(ps, fmt.Sprintf("%d %s", k, p))
	}
	sort.Strings(ps)
	return json.NewEncoder(os.Stdout).Encode(result{
		Seconds: secs, CheckSeconds: checkEnd.Sub(checkStart).Seconds(), InputMB: float64(st.Size()) / 1e6, Rows: n,
		PeakRSSMB: peak, CPUSeconds: tv(ru.Utime) + tv(ru.Stime), Status: rep.Status, Integrity: rep.Integrity,
		Paths: "tables: " + strings.Join(ps, ", "),
	})
}

// build writes the benchmark database with SQLite.
func build(path string, rows int) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		`PRAGMA journal_mode = OFF`,
		`PRAGMA synchronous = OFF`,
		`CREATE TABLE events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, score REAL, body TEXT)`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO events(ts, kind, score, body) SELECT 1700000000 + i * 7, 'kind-' || (i %% 37), i * 0.25,
			printf('event %%d %%.*c', i, 120 + i %% 80, 'x') FROM n`, rows),
		`CREATE INDEX events_kind_ts ON events(kind, ts)`,
	} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%.40s: %w", q, err)
		}
	}
	return nil
}

// writeMeta takes a metadata backup of the sound database, as the app
// would have before the damage.
func writeMeta(db, path string) error {
	m, err := master.Capture(context.Background(), db, master.Options{})
	if err != nil {
		return err
	}
	return master.WriteFile(path, m)
}

// zeroPage1 writes a copy of src whose first page is all zeros, without
// holding the file in memory (the repairs run as this process's children).
func zeroPage1(src, dst string) error {
	if err := exec.Command("cp", src, dst).Run(); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var hdr [18]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return err
	}
	size := int(binary.BigEndian.Uint16(hdr[16:]))
	if size == 1 {
		size = 65536
	}
	_, err = f.WriteAt(make([]byte, size), 0)
	return err
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// statusMB reads a size field of /proc/self/status (Linux) in MB; 0
// elsewhere.
func statusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb); err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
