// Command repair measures end-to-end repair speed and memory: it builds a
// database of -rows rows (about 200 bytes each) with an index, then runs
// the repair in a child process and reports elapsed time, MB/s of input,
// and the child's peak RSS. With -cpuprofile the child writes a CPU
// profile, to tell whether parsing or inserting bounds the speed.
//
//	go run ./bench/repair                      # 1 M rows, ~220 MB
//	go run ./bench/repair -rows 4500000        # ~1 GB
//	go run ./bench/repair -cpuprofile cpu.out
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/recover"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows to build")
	child := flag.String("child", "", "internal: repair this database and print the result")
	cpu := flag.String("cpuprofile", "", "write the repair's CPU profile to `FILE`")
	meta := flag.String("meta", "", "internal: metadata backup for the child")
	flag.Parse()
	if *child != "" {
		if err := repairChild(*child, *meta, *cpu); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*rows, *cpu); err != nil {
		log.Fatal(err)
	}
}

// result is what the child reports.
type result struct {
	Seconds   float64 `json:"seconds"`
	InputMB   float64 `json:"input_mb"`
	Rows      int     `json:"rows"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	Status    string  `json:"status"`
	Integrity string  `json:"integrity"`
}

func run(rows int, cpu string) error {
	dir, err := os.MkdirTemp("", "bench-repair")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "events.db")
	start := time.Now()
	if err := build(path, rows); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "built %s (%d rows) in %v\n", path, rows, time.Since(start).Round(time.Second))
	args := []string{"-child", path}
	if cpu != "" {
		args = append(args, "-cpuprofile", cpu)
	}
	out, err := exec.Command(os.Args[0], args...).Output()
	if err != nil {
		return fmt.Errorf("repair child: %w", err)
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		return err
	}
	fmt.Printf("| repair of a %.0f MB database, %d rows, 1 index | %.2f s | %.1f MB/s | peak RSS %.0f MB | %s, integrity %s |\n",
		r.InputMB, r.Rows, r.Seconds, r.InputMB/r.Seconds, r.PeakRSSMB, r.Status, r.Integrity)
	return nil
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

func repairChild(path, meta, cpu string) error {
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
	opts := recover.Options{Output: path + ".recovered"}
	if meta != "" {
		opts.MetaPaths = []string{meta}
	}
	start := time.Now()
	rep, err := recover.Repair(context.Background(), path, opts)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	n := 0
	for _, t := range rep.Tables {
		n += t.RowsWritten
	}
	return json.NewEncoder(os.Stdout).Encode(result{
		Seconds: secs, InputMB: float64(st.Size()) / 1e6, Rows: n,
		PeakRSSMB: float64(ru.Maxrss) / 1024, Status: rep.Status, Integrity: rep.Integrity,
	})
}
