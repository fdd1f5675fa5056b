// Command repair measures end-to-end repair speed and memory side by side
// with the alternatives, in one run: it builds (or takes, with -db) a
// database of -rows rows (about 200 bytes each) with an index, and then,
// -runs times, interleaved so that the machine's good and bad moments fall
// on all of them alike, on the database as it is, on a copy with page 1
// zeroed, and on that copy again with a metadata backup of the sound file
// (the mission's case: dbrescue uses the meta, the alternatives have no
// use for it and are measured on the same zeroed copy):
//
//   - dbrescue repair in a child process (its time, its peak RSS), and
//     the same repair without the final integrity_check
//     (Options.SkipIntegrityCheck: the output's sync then overlaps
//     nothing, so this is a run of its own, not a difference);
//   - with -insert, the same repair through SQLite's INSERT (NoBulk);
//   - sqlite3 DB .recover | sqlite3 OUT, the shell's recovery replayed
//     into a new database (needs a shell built with .recover, see
//     bench/recovery/build-sqlite3-shell.sh);
//   - cp DB OUT && sync OUT: reading and writing the file once, the floor.
//
// It prints medians and the ratios between them.
//
//	go run ./bench/repair                          # 1 M rows, ~230 MB
//	go run ./bench/repair -rows 4500000            # ~1 GB
//	go run ./bench/repair -db events.db -runs 5 -insert
//	go run ./bench/repair -cpuprofile cpu.out -runs 1
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows to build")
	db := flag.String("db", "", "use this database instead of building one")
	dir := flag.String("dir", "", "directory for the databases (default: a temporary one, removed)")
	runs := flag.Int("runs", 3, "runs of each method")
	insert := flag.Bool("insert", false, "also measure the repair through SQLite's INSERT (NoBulk)")
	zero := flag.Bool("zero-page1", true, "also measure on a copy with page 1 zeroed")
	cpu := flag.String("cpuprofile", "", "write the (first) repair's CPU profile to `FILE`")
	child := flag.String("child", "", "internal: repair this database and print the result")
	out := flag.String("out", "", "internal: the child's output")
	noBulk := flag.Bool("nobulk", false, "internal: the child repairs through INSERT")
	noCheck := flag.Bool("nocheck", false, "internal: the child skips the integrity_check")
	meta := flag.String("meta", "", "internal: the child repairs with this metadata backup")
	flag.Parse()
	if *child != "" {
		if err := repairChild(*child, *out, *meta, *cpu, *noBulk, *noCheck); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*rows, *db, *dir, *runs, *insert, *zero, *cpu); err != nil {
		log.Fatal(err)
	}
}

// method is one way of getting a repaired database, measured.
type method struct {
	name  string
	secs  []float64
	cpu   []float64 // user + system seconds, children included
	rssMB []float64
	note  string
}

func (m *method) median() float64 { return median(m.secs) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func run(rows int, db, dir string, runs int, insert, zero bool, cpu string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "bench-repair")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if db == "" {
		db = filepath.Join(dir, "events.db")
		start := time.Now()
		if err := build(db, rows); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "built %s (%d rows) in %v\n", db, rows, time.Since(start).Round(time.Second))
	}
	inputs := []input{{path: db, label: filepath.Base(db)}}
	if zero {
		// A directory of its own: a meta of that name in dir is never
		// replaced (master.WriteFile would keep it as .prev) nor removed.
		metaDir, err := os.MkdirTemp(dir, "bench-meta-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(metaDir)
		meta := filepath.Join(metaDir, "events.meta")
		if err := writeMeta(db, meta); err != nil {
			return err
		}
		z := filepath.Join(dir, "events-zero-page1.db")
		if err := zeroPage1(db, z); err != nil {
			return err
		}
		defer os.Remove(z)
		inputs = append(inputs, input{path: z, label: filepath.Base(z)},
			input{path: z, meta: meta, label: filepath.Base(z) + " with " + filepath.Base(meta)})
	}
	shell := recoverShell()
	st, err := os.Stat(db)
	if err != nil {
		return err
	}
	mb := float64(st.Size()) / 1e6
	fmt.Printf("input %s: %.1f MB; %d runs of each method, interleaved; medians\n", db, mb, runs)
	if shell == "" {
		fmt.Println("(no sqlite3 with .recover on PATH: see bench/recovery/build-sqlite3-shell.sh)")
	}
	for _, in := range inputs {
		ms := map[string]*method{}
		get := func(name string) *method {
			if ms[name] == nil {
				ms[name] = &method{name: name}
			}
			return ms[name]
		}
		target := filepath.Join(dir, "out.db")
		for i := 0; i < runs; i++ {
			prof := ""
			if i == 0 && in == inputs[0] {
				prof = cpu
			}
			if err := measureRepair(get("dbrescue repair"), in, target, prof, false, false); err != nil {
				return err
			}
			if err := measureRepair(get(noCheckName), in, target, "", false, true); err != nil {
				return err
			}
			if insert {
				if err := measureRepair(get("dbrescue repair (INSERT path)"), in, target, "", true, false); err != nil {
					return err
				}
			}
			if shell != "" {
				if err := measureShell(get(".recover + replay"), shell, in.path, target); err != nil {
					return err
				}
			}
			if err := measure(get("cp + sync"), target, exec.Command("sh", "-c", `cp "$1" "$2" && sync "$2"`, "sh", in.path, target)); err != nil {
				return err
			}
		}
		report(in.label, mb, ms)
	}
	return nil
}

// report prints one input's table and ratios.
func report(input string, mb float64, ms map[string]*method) {
	fmt.Printf("\n%s\n", input)
	fmt.Println("| method | median | runs | MB/s | CPU (user+sys) | peak RSS | note |")
	fmt.Println("|---|---:|---|---:|---:|---:|---|")
	for _, name := range []string{"dbrescue repair", noCheckName, "dbrescue repair (INSERT path)", ".recover + replay", "cp + sync"} {
		m := ms[name]
		if m == nil {
			continue
		}
		rss := ""
		if len(m.rssMB) > 0 {
			rss = fmt.Sprintf("%.0f MB", slices.Max(m.rssMB))
		}
		fmt.Printf("| %s | %.2f s | %s | %.1f | %.2f s | %s | %s |\n", name, m.median(), secsList(m.secs), mb/m.median(), median(m.cpu), rss, m.note)
	}
	d, nc, rec, cp := ms["dbrescue repair"], ms[noCheckName], ms[".recover + replay"], ms["cp + sync"]
	if rec != nil {
		fmt.Printf("ratio .recover + replay / dbrescue repair: %.2fx (with integrity_check), %.2fx (without); CPU time %.2fx\n",
			rec.median()/d.median(), rec.median()/nc.median(), median(rec.cpu)/median(d.cpu))
	}
	if ins := ms["dbrescue repair (INSERT path)"]; ins != nil {
		fmt.Printf("ratio INSERT path / bulk path: %.2fx\n", ins.median()/d.median())
	}
	fmt.Printf("ratio dbrescue repair / cp + sync: %.2fx (with integrity_check), %.2fx (without)\n",
		d.median()/cp.median(), nc.median()/cp.median())
}

// noCheckName is the method that skips the integrity_check.
const noCheckName = "dbrescue repair without integrity_check"

func secsList(xs []float64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, fmt.Sprintf("%.2f", x))
	}
	return strings.Join(parts, ", ")
}

// measure times cmd after removing target and syncing, so that each run
// starts with no dirty pages of the one before.
func measure(m *method, target string, cmd *exec.Cmd) error {
	settle(target)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	m.secs = append(m.secs, time.Since(start).Seconds())
	// The shell's usage includes the children it waited for.
	m.cpu = append(m.cpu, (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds())
	return nil
}

// settle removes the last run's output and lets the disk go quiet before
// the next run: the removal of a large file and the writeback it leaves
// go on after sync returns, and on a 1 GB output they slowed whichever
// method ran next by seconds.
func settle(target string) {
	for _, p := range []string{target, target + "-journal", target + "-wal"} {
		_ = os.Remove(p)
	}
	_ = exec.Command("sync").Run()
	time.Sleep(settlePause)
	_ = exec.Command("sync").Run()
}

const settlePause = 2 * time.Second

// input is a database the methods are measured on, with the metadata
// backup dbrescue may use.
type input struct {
	path, meta, label string
}

// measureRepair runs the repair in a child process, so that its peak RSS
// is its own.
func measureRepair(m *method, in input, target, cpu string, noBulk, noCheck bool) error {
	settle(target)
	args := []string{"-child", in.path, "-out", target}
	if in.meta != "" {
		args = append(args, "-meta", in.meta)
	}
	if cpu != "" {
		args = append(args, "-cpuprofile", cpu)
	}
	if noBulk {
		args = append(args, "-nobulk")
	}
	if noCheck {
		args = append(args, "-nocheck")
	}
	outb, err := exec.Command(os.Args[0], args...).Output()
	if err != nil {
		return fmt.Errorf("repair child: %w", err)
	}
	var r result
	if err := json.Unmarshal(outb, &r); err != nil {
		return err
	}
	m.secs = append(m.secs, r.Seconds)
	m.cpu = append(m.cpu, r.CPUSeconds)
	m.rssMB = append(m.rssMB, r.PeakRSSMB)
	m.note = fmt.Sprintf("%s, integrity %s, %d rows, %s", r.Status, r.Integrity, r.Rows, r.Paths)
	return nil
}

func measureShell(m *method, shell, in, target string) error {
	return measure(m, target, exec.Command("sh", "-c", `"$1" "$2" .recover | "$1" "$3"`, "sh", shell, in, target))
}

// recoverShell finds a sqlite3 that has .recover (Debian's lacks the
// sqlite_dbpage table it needs).
func recoverShell() string {
	for _, p := range []string{"/usr/local/bin/sqlite3", "sqlite3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		out, err := exec.Command(path, ":memory:", ".recover").CombinedOutput()
		if err == nil && !strings.Contains(string(out), "error") {
			return path
		}
	}
	return ""
}
