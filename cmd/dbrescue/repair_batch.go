package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/batch"
)

// Default budgets of each database in a batch.
const (
	defaultTimeout = 10 * time.Minute
	defaultMemory  = "4GiB"
)

// batchFlags are repair's flags for several databases.
func batchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "recursive", Aliases: []string{"r"}, Usage: "repair every database below the DIRs given"},
		&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "repair `N` databases at once"},
		&cli.BoolFlag{Name: "json-lines", Usage: "write a JSON line per database as it finishes, then a summary line"},
		&cli.DurationFlag{Name: "timeout", Value: defaultTimeout, Usage: "time budget of each database in a batch (0: none)"},
		&cli.StringFlag{Name: "memory", Value: defaultMemory, Usage: "memory budget of each database in a batch, as `SIZE` (512MiB, 2GB; 0: none)"},
	}
}

// isBatch reports whether the command line asks for several databases:
// more than one argument, a directory, or a flag only a batch has.
func isBatch(cmd *cli.Command) bool {
	if cmd.Args().Len() > 1 || cmd.Bool("recursive") || cmd.Bool("json-lines") || cmd.IsSet("jobs") {
		return true
	}
	st, err := os.Stat(cmd.Args().First())
	return cmd.Args().Len() == 1 && err == nil && st.IsDir()
}

// singleOnlyFlags name one database's files or outputs: a batch finds
// each database's companions by name instead.
var singleOnlyFlags = []string{"meta", "backup", "wal", "journal", "map"}

// repairBatch repairs several databases into an output directory.
func repairBatch(ctx context.Context, cmd *cli.Command) error {
	opts, err := batchOptions(cmd)
	if err != nil {
		return err
	}
	jobs, skipped, err := batch.Find(cmd.Args().Slice(), cmd.Bool("recursive"), cmd.String("output"))
	var inputErr *batch.InputError
	switch {
	case errors.As(err, &inputErr):
		return &UsageError{Command: cmd.FullName(), Err: inputErr}
	case err != nil:
		return err
	case len(jobs) == 0:
		return fmt.Errorf("no database found in %s (%d other files)", strings.Join(cmd.Args().Slice(), ", "), len(skipped))
	}
	out := newBatchPrinter(cmd, len(jobs))
	opts.OnDone = out.done
	rep, err := batch.Run(ctx, jobs, opts)
	if err != nil {
		return err
	}
	rep.Skipped = skipped
	rep.Summary.Skipped = len(skipped)
	if err := out.finish(rep); err != nil {
		return err
	}
	return batchVerdict(rep)
}

// batchOptions reads the flags of a batch; a flag that names one
// database's file is a usage error.
func batchOptions(cmd *cli.Command) (batch.Options, error) {
	var opts batch.Options
	for _, name := range singleOnlyFlags {
		if cmd.IsSet(name) {
			return opts, usageErrorf(cmd.FullName(), "--%s names one database's file: with several databases each one's companions are found by name (DB-wal, DB-journal, DB.meta, DB.backup)", name)
		}
	}
	if cmd.String("output") == "" {
		return opts, usageErrorf(cmd.FullName(), "several databases need -o OUTDIR, the directory the repaired ones go to")
	}
	if cmd.Bool("json") && cmd.Bool("json-lines") {
		return opts, usageErrorf(cmd.FullName(), "--json and --json-lines cannot be used together")
	}
	if cmd.Int("jobs") < 1 {
		return opts, usageErrorf(cmd.FullName(), "--jobs %d: at least 1", cmd.Int("jobs"))
	}
	if cmd.Duration("timeout") < 0 {
		return opts, usageErrorf(cmd.FullName(), "--timeout %s: 0 or more", cmd.Duration("timeout"))
	}
	memory, err := humanize.ParseBytes(cmd.String("memory"))
	if err != nil {
		return opts, usageErrorf(cmd.FullName(), "--memory %q: a size such as 512MiB or 2GB", cmd.String("memory"))
	}
	format, err := exportFormat(cmd, "export")
	if err != nil {
		return opts, err
	}
	opts.Settings = batch.Settings{Force: cmd.Bool("force"), NoWAL: cmd.Bool("no-wal"), NoJournal: cmd.Bool("no-journal"),
		Deleted: cmd.Bool("deleted"), Export: format}
	opts.Jobs, opts.Timeout, opts.Memory = int(cmd.Int("jobs")), cmd.Duration("timeout"), int64(memory)
	return opts, nil
}

// batchVerdict is the exit status of a batch: any failure (an export's
// too) is 1, else any partial repair 3, else 0.
func batchVerdict(rep *batch.Report) error {
	s := rep.Summary
	switch {
	case s.Failed > 0 || s.ExportsFailed > 0:
		return &batchFailed{s}
	case s.Partial > 0:
		return fmt.Errorf("%w: %d of %d databases are PARTIAL, listed above", ErrPartial, s.Partial, s.Databases)
	}
	return nil
}

// batchFailed is a batch with a database that failed: exit 1.
type batchFailed struct{ s batch.Summary }

func (e *batchFailed) Error() string {
	msg := fmt.Sprintf("%d of %d databases failed", e.s.Failed, e.s.Databases)
	if e.s.ExportsFailed > 0 {
		msg += fmt.Sprintf(", %d exports failed", e.s.ExportsFailed)
	}
	return msg + ", listed above"
}

// batchPrinter writes a batch's progress and results: a text line per
// database as it finishes (stdout, or stderr when stdout holds JSON),
// or a JSON line each with --json-lines; then the summary.
type batchPrinter struct {
	cmd      *cli.Command
	total    int
	finished int
	lines    io.Writer
	jsonl    *json.Encoder
	err      error
}

func newBatchPrinter(cmd *cli.Command, total int) *batchPrinter {
	p := &batchPrinter{cmd: cmd, total: total, lines: cmd.Writer}
	switch {
	case cmd.Bool("json-lines"):
		p.jsonl = json.NewEncoder(cmd.Writer)
		p.jsonl.SetEscapeHTML(false)
	case cmd.Bool("json"):
		p.lines = cmd.Root().ErrWriter
	}
	return p
}

// done reports one finished database (Run calls it one at a time).
func (p *batchPrinter) done(r *batch.Result) {
	p.finished++
	if p.err != nil {
		return
	}
	if p.jsonl != nil {
		p.err = p.jsonl.Encode(struct {
			Kind string `json:"kind"`
			*batch.Result
		}{"database", r})
		return
	}
	_, p.err = fmt.Fprintf(p.lines, "[%*d/%d] %s\n", len(fmt.Sprint(p.total)), p.finished, p.total, resultLine(r))
}

// finish writes the end of the run: the JSON document, the summary line
// of --json-lines, or the summary table.
func (p *batchPrinter) finish(rep *batch.Report) error {
	if p.err != nil {
		return p.err
	}
	switch {
	case p.jsonl != nil:
		for _, s := range rep.Skipped {
			if err := p.jsonl.Encode(struct {
				Kind string `json:"kind"`
				batch.Skipped
			}{"skipped", s}); err != nil {
				return err
			}
		}
		return p.jsonl.Encode(struct {
			Kind string `json:"kind"`
			batch.Summary
		}{"summary", rep.Summary})
	case p.cmd.Bool("json"):
		return writeJSON(p.cmd.Writer, rep)
	}
	return printBatchSummary(p.cmd.Writer, rep)
}

// resultLine is one database's outcome on one line.
func resultLine(r *batch.Result) string {
	line := fmt.Sprintf("%-8s %s", strings.ToUpper(r.Status), r.Input)
	if r.Error != "" {
		return line + ": " + r.Error
	}
	line += fmt.Sprintf(" -> %s: %d rows recovered, %d in lost_and_found, %s lost, %.1f s", r.Output, r.RowsRecovered, r.RowsInLostAndFound, lostText(r), r.ElapsedMS/1000)
	if r.ExportError != "" {
		line += "; export failed: " + r.ExportError
	}
	return line
}

// lostText is the rows known lost, "+?" when destroyed pages held rows
// nobody can count.
func lostText(r *batch.Result) string {
	if r.PagesLostUnknownRows > 0 {
		return fmt.Sprintf("%d+?", r.RowsKnownLost)
	}
	return fmt.Sprint(r.RowsKnownLost)
}
