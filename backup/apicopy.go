package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
)

// backuper is the part of modernc.org/sqlite's driver connection that
// starts an online backup (sqlite3_backup_init) to a database named by URI.
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// copyWithAPI copies the source database into the empty file tmp with
// SQLite's online backup API, StepPages pages per sqlite3_backup_step,
// and returns with the source inside a read transaction whose snapshot is
// exactly what was copied, so the caller can capture metadata from it.
//
// WAL mode: the caller has opened the read transaction already. Every step
// then reads that one snapshot, and SQLite never restarts the copy however
// busy the writers are (a restart happens only when the source pager sees
// a new snapshot, which a held read transaction never does), so the copy
// always completes. Writers are not blocked; the WAL grows until the copy
// ends because it cannot be checkpointed past the snapshot.
//
// Rollback-journal mode: holding a read lock would block every writer for
// the whole copy, so steps run outside a transaction (each step takes and
// drops the shared lock) with Pause between them. A commit by another
// connection restarts the copy from page 1; restarts are counted, each
// doubles the step size, and after MaxRestarts Run fails with
// ErrNoProgress. The last step runs inside a read transaction, so that the
// snapshot it completes is still there for the metadata capture.
func (s *source) copyWithAPI(ctx context.Context, tmp string, o *Options, res *Result) error {
	var b *sqlite.Backup
	err := s.conn.Raw(func(dc any) error {
		bk, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("backup: driver connection %T has no online backup API", dc)
		}
		var err error
		b, err = bk.NewBackup(destURI(tmp))
		return err
	})
	if err != nil {
		return fmt.Errorf("backup: start: %w", err)
	}
	finished := false
	defer func() {
		if !finished {
			_ = s.conn.Raw(func(any) error { return b.Finish() })
		}
	}()
	step := o.StepPages
	var total int
	if err := s.conn.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&total); err != nil {
		return fmt.Errorf("backup: page count: %w", err)
	}
	done, busy := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !s.inTx && total-done <= step {
			if err := s.begin(ctx); err != nil {
				if !isBusy(err) || busy >= o.MaxBusyRetries {
					return err
				}
				busy++
				res.BusyRetries++
				sleep(ctx, backoff(busy))
				continue
			}
		}
		var more bool
		var stepErr error
		_ = s.conn.Raw(func(any) error { more, stepErr = b.Step(int32(step)); return nil })
		res.Steps++
		if stepErr != nil {
			if !isBusy(stepErr) || busy >= o.MaxBusyRetries {
				return fmt.Errorf("backup: step: %w", stepErr)
			}
			busy++
			res.BusyRetries++
			if !s.wal() {
				s.end()
			}
			sleep(ctx, backoff(busy))
			continue
		}
		busy = 0
		now := b.PageCount() - b.Remaining()
		if !more {
			now = b.PageCount()
		}
		if done > 0 && now <= done && more {
			// The source changed between steps: SQLite started over.
			res.Restarts++
			if res.Restarts > o.MaxRestarts {
				return fmt.Errorf("%w: the copy restarted %d times because other connections committed; "+
					"try a larger --step-pages, a shorter --pause, or a quieter moment", ErrNoProgress, res.Restarts)
			}
			step *= 2
			if !s.wal() {
				s.end()
			}
		}
		done, total = now, b.PageCount()
		o.progress(PhaseCopy, done, total)
		if !more {
			break
		}
		if !s.inTx || s.wal() {
			sleep(ctx, o.Pause)
		}
	}
	finished = true
	if err := s.conn.Raw(func(any) error { return b.Finish() }); err != nil {
		return fmt.Errorf("backup: finish: %w", err)
	}
	if !s.inTx {
		// Only if the source shrank without SQLite noticing a change,
		// which a commit always is: refuse rather than guess.
		return fmt.Errorf("%w: the copy ended outside a read transaction", ErrNoProgress)
	}
	return nil
}

// destURI names the temporary copy for SQLite. It gets no rollback journal
// and no fsync of its own: it is a fresh file that Run fsyncs, and that
// is thrown away if anything fails.
func destURI(path string) string {
	return fileURI(path, "_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == 5 || code == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

// backoff is the wait before the n-th retry of a busy step.
func backoff(n int) time.Duration {
	d := 10 * time.Millisecond << min(n-1, 7)
	return min(d, time.Second)
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
