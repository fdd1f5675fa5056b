// Command batch measures `dbrescue repair --recursive` over many small
// damaged databases: it builds them with package corpus (every corruption
// kind, its targets, enough seeds for -n databases of ~100 KB), builds the
// dbrescue binary, and repairs the folder once per -jobs value, reporting
// wall time, databases per second and the statuses.
//
//	go run ./bench/batch                   # 1,000 databases, 1 and 2 jobs
//	go run ./bench/batch -n 200 -jobs 1,2,4
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/corpus"
)

func main() {
	n := flag.Int("n", 1000, "how many damaged databases")
	jobs := flag.String("jobs", "1,2", "comma-separated worker counts to measure")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed)")
	flag.Parse()
	if err := run(*n, *jobs, *dir); err != nil {
		log.Fatal(err)
	}
}

func run(n int, jobList, dir string) error {
	ctx := context.Background()
	if dir == "" {
		d, err := os.MkdirTemp("", "bench-batch-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	kinds := len(corpus.Matrix(corpus.MatrixOptions{Seeds: 1}))
	start := time.Now()
	built, bytes, err := build(ctx, dir, n, kinds)
	if err != nil {
		return err
	}
	fmt.Printf("built %d damaged databases (%d kinds and targets, %.1f MB) in %.1f s\n", built, kinds, float64(bytes)/1e6, time.Since(start).Seconds())
	bin := filepath.Join(dir, "dbrescue")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/dbrescue").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	fmt.Println("| jobs | databases | wall time | databases/s | complete | partial | failed | rows recovered |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, f := range strings.Split(jobList, ",") {
		j, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return err
		}
		out := filepath.Join(dir, fmt.Sprintf("fixed-%d", j))
		t0 := time.Now()
		cmd := exec.Command(bin, "repair", "--recursive", filepath.Join(dir, "broken"), "-o", out, "--jobs", strconv.Itoa(j), "--json")
		stdout, err := cmd.Output()
		wall := time.Since(t0)
		if code := cmd.ProcessState.ExitCode(); err != nil && code != 1 && code != 3 {
			return fmt.Errorf("repair with %d jobs: %v", j, err)
		}
		var rep struct {
			Summary struct {
				Databases, Complete, Partial, Failed int
				RowsRecovered                        int `json:"rows_recovered"`
			}
		}
		if err := json.Unmarshal(stdout, &rep); err != nil {
			return fmt.Errorf("repair with %d jobs: %v", j, err)
		}
		s := rep.Summary
		fmt.Printf("| %d | %d | %.1f s | %.1f | %d | %d | %d | %d |\n", j, s.Databases, wall.Seconds(), float64(s.Databases)/wall.Seconds(), s.Complete, s.Partial, s.Failed, s.RowsRecovered)
	}
	return nil
}

// build writes n damaged databases to dir/broken, the matrix's cases in
// order, passing over the cases a small database offers nothing to
// (a corruption of a leaf in a database without one, say).
func build(ctx context.Context, dir string, n, kinds int) (built int, bytes int64, err error) {
	for _, sub := range []string{"originals", "broken"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return 0, 0, err
		}
	}
	originals := map[string]*corpus.DB{}
	for seeds := (n + kinds - 1) / kinds; built < n; seeds++ {
		for _, c := range corpus.Matrix(corpus.MatrixOptions{Seeds: seeds}) {
			broken := filepath.Join(dir, "broken", c.Name+".db")
			if _, err := os.Stat(broken); err == nil || built >= n {
				continue
			}
			db := originals[c.Spec.Name()]
			if db == nil {
				if db, err = corpus.Generate(ctx, filepath.Join(dir, "originals"), c.Spec); err != nil {
					return built, bytes, err
				}
				originals[c.Spec.Name()] = db
			}
			if _, err := corpus.Corrupt(ctx, db.Path, broken, c.Corruption); err != nil {
				continue
			}
			built++
			if st, err := os.Stat(broken); err == nil {
				bytes += st.Size()
			}
		}
	}
	return built, bytes, nil
}
