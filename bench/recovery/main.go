// Command recovery is dbrescue's recovery benchmark. It builds the corpus
// matrix (every corruption kind, each target, several seeds, realistic
// messenger databases), runs every recovery method available on each
// damaged file, scores each result against the original row by row, and
// prints a Markdown table of exact-row recall per kind and method, with
// rows found anywhere and the ceiling (rows whose bytes survived).
//
//	go run ./bench/recovery [-seeds N] [-kinds k1,k2] [-size small|medium|large] [-dir DIR] [-cli BINARY]
//	go run ./bench/recovery -key-file FILE [-cipher PRESET] ...   (encrypted databases, see runEncrypted)
//
// Methods, each skipped with a message when unavailable:
//   - sqlite-select: stock SQLite, SELECT * from every original table until
//     the first error, copied into a fresh database (corpus.SelectCopy);
//   - sqlite3 .recover: the sqlite3 shell on PATH, if its .recover works
//     (Debian's 3.40.1 is built without it);
//   - dbrescue repair, without and with a metadata backup taken by
//     `dbrescue metabackup` before the corruption.
//
// The matrix itself is corpus.Matrix, shared with the corpus tests.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/corpus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "recovery: %v\n", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	seeds int
	kinds []corpus.Kind
	bytes int64
	dir   string
	cli   string
	// keyFile and cipher run the matrix on encrypted databases (see
	// runEncrypted).
	keyFile, cipher string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("recovery", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seeds := fs.Int("seeds", 3, "seeds per kind and target")
	kinds := fs.String("kinds", "", "comma-separated kinds to run (default: all; see dbrescue corrupt --list)")
	size := fs.String("size", "small", "database size: small (~100 KB), medium (~4 MB) or large (~200 MB)")
	dir := fs.String("dir", "", "work in `DIR` and keep the files (default: a temporary directory, removed)")
	cli := fs.String("cli", "", "run this dbrescue `BINARY` instead of building the checkout's (to compare releases)")
	keyFile := fs.String("key-file", "", "run the matrix on databases encrypted with the key in `FILE` (see runEncrypted)")
	cipher := fs.String("cipher", "sqlcipher4", "with -key-file: the cipher preset the databases are encrypted with")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c := &config{seeds: *seeds, dir: *dir, cli: *cli, keyFile: *keyFile, cipher: *cipher}
	sizes := map[string]int64{"small": corpus.SizeSmall, "medium": corpus.SizeMedium, "large": corpus.SizeLarge}
	if c.bytes = sizes[*size]; c.bytes == 0 {
		return nil, fmt.Errorf("-size %q is not small, medium or large", *size)
	}
	known := map[corpus.Kind]bool{}
	for _, k := range corpus.Kinds() {
		known[k.Kind] = true
	}
	for _, k := range strings.Split(*kinds, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		if !known[corpus.Kind(k)] {
			return nil, fmt.Errorf("-kinds: unknown kind %q", k)
		}
		c.kinds = append(c.kinds, corpus.Kind(k))
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	dir := cfg.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "dbrescue-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	cli := cfg.cli
	if cli == "" {
		if cli, err = buildCLI(ctx, dir); err != nil {
			return err
		}
	}
	if cfg.keyFile != "" {
		return runEncrypted(ctx, cfg, cli, dir, stdout, stderr)
	}
	methods := availableMethods(ctx, cli, dir, stderr)

	start := time.Now()
	cases := corpus.Matrix(corpus.MatrixOptions{Seeds: cfg.seeds, Kinds: cfg.kinds, Bytes: cfg.bytes})
	built, err := corpus.BuildMatrix(ctx, dir, cases)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "built and corrupted %d cases in %v\n", len(built), time.Since(start).Round(time.Millisecond))

	start = time.Now()
	res, err := runMethods(ctx, built, methods, dir, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ran %d methods on %d cases in %v\n", len(methods), len(built), time.Since(start).Round(time.Millisecond))
	printTable(stdout, res, methods, cfg)
	printAudit(stdout, res.audit, methods)
	return nil
}

// buildCLI builds the dbrescue command of this checkout.
func buildCLI(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "dbrescue")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/dbrescue/dbrescue/cmd/dbrescue").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building dbrescue: %v\n%s", err, out)
	}
	return bin, nil
}

// truthCache records each original's truth once.
type truthCache map[string]*corpus.Truth

func (c truthCache) get(ctx context.Context, db *corpus.DB) (*corpus.Truth, error) {
	if t := c[db.Path]; t != nil {
		return t, nil
	}
	t, err := corpus.RecordTruth(ctx, db.Path)
	if err != nil {
		return nil, err
	}
	c[db.Path] = t
	return t, nil
}

// tally sums one method's scores over the cases of one row of the table.
type tally struct {
	cases, failed                      int
	original, exact, anywhere, ceiling int
}

func (t *tally) add(s corpus.TableScore) {
	t.cases++
	t.original += s.Original
	t.exact += s.Exact
	t.anywhere += s.Anywhere
	t.ceiling += s.Ceiling
}

// results maps a row label (kind or kind/target) and method name to sums,
// and each method to the audit of its verdicts.
type results struct {
	labels []string
	cells  map[string]map[string]*tally
	audit  map[string]*verdicts
}

func (r *results) cell(label, method string) *tally {
	if r.cells[label] == nil {
		r.cells[label] = map[string]*tally{}
		r.labels = append(r.labels, label)
	}
	if r.cells[label][method] == nil {
		r.cells[label][method] = &tally{}
	}
	return r.cells[label][method]
}

// runMethods runs every method on every case and scores the results. A
// method that fails on a case (no output database) scores zero rows there.
func runMethods(ctx context.Context, built []corpus.Built, methods []method, dir string, stderr io.Writer) (*results, error) {
	res := &results{cells: map[string]map[string]*tally{}, audit: map[string]*verdicts{}}
	truths := truthCache{}
	outDir := filepath.Join(dir, "repaired")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	for _, b := range built {
		truth, err := truths.get(ctx, b.Original)
		if err != nil {
			return nil, err
		}
		for _, m := range methods {
			out := filepath.Join(outDir, b.Name+"."+m.slug()+".db")
			t := res.cell(b.Label(), m.name)
			var sc *corpus.Scorecard
			status, err := m.run(ctx, b, out)
			if err != nil {
				fmt.Fprintf(stderr, "%s on %s: %v\n", m.name, b.Name, err)
			} else if sc, err = corpus.Score(ctx, truth, out, b.Damage); err != nil {
				fmt.Fprintf(stderr, "scoring %s on %s: %v\n", m.name, b.Name, err)
			}
			if res.audit[m.name] == nil {
				res.audit[m.name] = &verdicts{}
			}
			res.audit[m.name].add(b.Name, status, sc)
			if sc == nil {
				t.failed++
				sc = &corpus.Scorecard{Total: corpus.TableScore{Original: rowCount(truth)}}
				if s, err := corpus.Score(ctx, truth, b.Original.Path, b.Damage); err == nil {
					sc.Total.Ceiling = s.Total.Ceiling
				}
			}
			t.add(sc.Total)
		}
	}
	return res, nil
}

func rowCount(t *corpus.Truth) int {
	n := 0
	for _, tt := range t.Tables {
		n += len(tt.Rows)
	}
	return n
}

func printTable(w io.Writer, res *results, methods []method, cfg *config) {
	fmt.Fprintf(w, "Exact-row recall per corruption kind (rows found anywhere, lost_and_found included, in parentheses); %d seeds, %s databases.\n\n",
		cfg.seeds, sizeName(cfg.bytes))
	head := "| kind | cases | ceiling |"
	rule := "|---|---:|---:|"
	for _, m := range methods {
		head += " " + m.name + " |"
		rule += "---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	total := map[string]*tally{}
	for _, label := range res.labels {
		cells := res.cells[label]
		first := cells[methods[0].name]
		line := fmt.Sprintf("| %s | %d | %s |", label, first.cases, pct(first.ceiling, first.original))
		for _, m := range methods {
			c := cells[m.name]
			line += " " + recallCell(c) + " |"
			if total[m.name] == nil {
				total[m.name] = &tally{}
			}
			tt := total[m.name]
			tt.cases, tt.failed = tt.cases+c.cases, tt.failed+c.failed
			tt.original, tt.exact, tt.anywhere, tt.ceiling = tt.original+c.original, tt.exact+c.exact, tt.anywhere+c.anywhere, tt.ceiling+c.ceiling
		}
		fmt.Fprintln(w, line)
	}
	first := total[methods[0].name]
	line := fmt.Sprintf("| **all** | %d | %s |", first.cases, pct(first.ceiling, first.original))
	for _, m := range methods {
		line += " " + recallCell(total[m.name]) + " |"
	}
	fmt.Fprintln(w, line)
}

func recallCell(t *tally) string {
	s := fmt.Sprintf("%s (%s)", pct(t.exact, t.original), pct(t.anywhere, t.original))
	if t.failed > 0 {
		s += fmt.Sprintf(" %d failed", t.failed)
	}
	return s
}

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}

func sizeName(b int64) string {
	switch b {
	case corpus.SizeMedium:
		return "medium (~4 MB)"
	case corpus.SizeLarge:
		return "large (~200 MB)"
	}
	return "small (~100 KB)"
}
