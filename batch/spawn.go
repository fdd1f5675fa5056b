package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/dbrescue/dbrescue/export"
	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// grace is how long past its time budget a child may take to say so
// itself before it is killed (a variable for tests).
var grace = 5 * time.Second

// maxResponse bounds what is read of a child's answer; maxStderr keeps
// the end of what it says on stderr, for a crash.
const (
	maxResponse = 256 << 20
	maxStderr   = 4 << 10
)

// runChild repairs j in a child process under the budgets and returns
// its result.
func runChild(ctx context.Context, j Job, opts Options) *Result {
	r := &Result{Job: j, Status: StatusFailed}
	start := time.Now()
	defer func() { r.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000 }()
	if err := os.MkdirAll(filepath.Dir(j.Output), 0o755); err != nil {
		r.Error = err.Error()
		return r
	}
	req, err := json.Marshal(request{Job: j, Settings: opts.Settings, Timeout: opts.Timeout, Memory: opts.Memory})
	if err != nil {
		r.Error = err.Error()
		return r
	}
	cctx := ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, opts.Timeout+grace)
		defer cancel()
	}
	cmd := exec.CommandContext(cctx, opts.Executable)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	if opts.Memory > 0 {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+strconv.FormatInt(opts.Memory, 10))
	}
	cmd.Stdin = bytes.NewReader(req)
	stdout := &capped{max: maxResponse}
	stderr := &tail{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		r.Error = err.Error()
		return r
	}
	dog := watch(cmd.Process, opts.Memory)
	waitErr := cmd.Wait()
	overMemory := dog.stop()
	r.PeakRSS = peakRSS(cmd.ProcessState)
	var resp response
	answered := json.Unmarshal(stdout.Bytes(), &resp) == nil
	switch {
	case overMemory:
		r.BudgetExceeded = BudgetMemory
		r.Error = fmt.Sprintf("stopped: it used more than its memory budget of %s", humanize.IBytes(uint64(opts.Memory)))
	case errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil, answered && resp.TimedOut:
		r.BudgetExceeded = BudgetTime
		r.Error = fmt.Sprintf("stopped: it took longer than its time budget of %s", opts.Timeout)
	case ctx.Err() != nil:
		r.Error = "not finished: the run was interrupted"
	case !answered:
		r.Error = fmt.Sprintf("the repair crashed (%v): %s", waitErr, strings.TrimSpace(stderr.String()))
	case resp.Report == nil:
		r.Error = resp.Error
	default:
		r.fromReport(resp.Report)
	}
	if !answered {
		removeTemps(j, opts.Export)
	}
	if r.Status == StatusFailed {
		_ = os.Remove(filepath.Dir(j.Output)) // the directory made for it, when it stayed empty
	}
	r.Notes, r.Export, r.ExportError = resp.Notes, resp.Export, resp.ExportError
	return r
}

// removeTemps removes what a child killed in the middle of writing left:
// its output's temporary file (and the journal SQLite kept beside it),
// an export's temporary files.
func removeTemps(j Job, format export.Format) {
	removePrefixed(filepath.Dir(j.Output), filepath.Base(j.Output)+fsutil.TempInfix)
	if format != "" {
		removePrefixed(export.DirBeside(j.Output, format), "")
	}
}

// removePrefixed removes the temporary files in dir whose names start
// with prefix.
func removePrefixed(dir, prefix string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && strings.Contains(e.Name(), fsutil.TempInfix) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// capped keeps what is written up to max bytes, and drops the rest.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// tail keeps the last max bytes written.
type tail struct {
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.buf) }
