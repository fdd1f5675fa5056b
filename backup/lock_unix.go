//go:build unix

package backup

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// flock sets f's advisory lock to exclusive or shared, without waiting. A
// lock held by another process is ErrBusy. (SQLite locks databases with
// fcntl, not flock, so this lock never meets SQLite's.) quiet leaves the
// busy case unwrapped, for callers that only try.
func flock(f *os.File, exclusive, quiet bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) && !quiet {
		return fmt.Errorf("%w: %s", ErrBusy, f.Name())
	}
	return err
}

// removeLockFile removes the lock file while its lock is held: see lock.
func removeLockFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
