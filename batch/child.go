package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/export"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/internal/sniff"
	"github.com/dbrescue/dbrescue/recover"
)

// childEnv, set to "1", makes the program a batch child: the program's
// main calls ServeChild when IsChild says so.
const childEnv = "DBRESCUE_BATCH_CHILD"

// IsChild reports whether this process was started by Run to repair one
// database.
func IsChild() bool { return os.Getenv(childEnv) == "1" }

// request is what the parent sends a child on its stdin.
type request struct {
	Job      Job           `json:"job"`
	Settings Settings      `json:"settings"`
	Timeout  time.Duration `json:"timeout"`
	Memory   int64         `json:"memory"`
}

// response is what a child writes on its stdout.
type response struct {
	Report *recover.Report `json:"report,omitempty"`
	Export *export.Report  `json:"export,omitempty"`
	Error  string          `json:"error,omitempty"`
	// TimedOut says the time budget ran out inside the child.
	TimedOut    bool     `json:"timed_out,omitempty"`
	ExportError string   `json:"export_error,omitempty"`
	Notes       []string `json:"notes,omitempty"`
}

// ServeChild repairs the one database a request on stdin names and
// writes the response on stdout; it returns the process exit code (0
// unless the request itself could not be read or the answer written).
func ServeChild(ctx context.Context, stdin io.Reader, stdout io.Writer) int {
	var req request
	if err := json.NewDecoder(stdin).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "batch child: reading the request: %v\n", err)
		return 1
	}
	if req.Memory > 0 {
		debug.SetMemoryLimit(req.Memory)
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	resp := repairOne(ctx, req.Job, req.Settings)
	if err := json.NewEncoder(stdout).Encode(resp); err != nil {
		fmt.Fprintf(os.Stderr, "batch child: writing the response: %v\n", err)
		return 1
	}
	return 0
}

// repairOne repairs j as the settings say, then exports it when asked.
func repairOne(ctx context.Context, j Job, s Settings) *response {
	resp := &response{}
	opts := recover.Options{Output: j.Output, Force: s.Force, NoWAL: s.NoWAL, NoJournal: s.NoJournal, Deleted: s.Deleted, BoundHeap: true}
	if j.Meta != "" {
		opts.MetaPaths = []string{j.Meta}
	}
	if j.Backup != "" {
		bf, err := openBackup(j.Backup, j.Output)
		if err != nil {
			resp.Notes = append(resp.Notes, fmt.Sprintf("the page-level backup %s was not used: %v", j.Backup, err))
		} else {
			defer bf.Close()
			opts.Backup = &recover.BackupPages{Source: bf.Source, Meta: bf.Meta, Verify: bf.VerifyPage}
		}
	}
	rep, err := recover.Repair(ctx, j.Input, opts)
	if errors.Is(err, recover.ErrOutputExists) {
		resp.Error = fmt.Sprintf("%s exists: give --force to replace it", j.Output)
		return resp
	}
	if err != nil {
		resp.Error = plainError(err).Error()
		resp.TimedOut = errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)
		return resp
	}
	resp.Report = rep
	if s.Export != "" && rep.Status != recover.StatusFailed {
		resp.Export, err = export.Export(ctx, j.Output, export.Options{Format: s.Export, Output: export.DirBeside(j.Output, s.Export), Force: s.Force})
		if err != nil {
			resp.ExportError = plainError(err).Error()
		}
	}
	return resp
}

// openBackup opens the page-level backup at path, after the outputs
// rule: backup.Open may finish an interrupted update of the backup.
func openBackup(path, output string) (*backup.File, error) {
	if err := outputs.Check(new(outputs.Files).Backup(path), new(outputs.Files).Database(output)); err != nil {
		return nil, err
	}
	return backup.Open(path)
}

// plainError is the one sentence inside err that says it all, when there
// is one (what a file that is no database is; an output refused), else
// err.
func plainError(err error) error {
	var notDB *sniff.NotDatabaseError
	var conflict *outputs.ConflictError
	var noDir *outputs.DirError
	switch {
	case errors.As(err, &notDB):
		return notDB
	case errors.As(err, &conflict):
		return conflict
	case errors.As(err, &noDir):
		return noDir
	}
	return err
}
