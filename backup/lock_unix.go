//go:build unix

package backup

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// LockSuffix names the lock file beside a backup. It is never removed:
// removing a lock file races with a process that has just opened it.
const LockSuffix = ".lock"

// lockFile takes an advisory flock on path+LockSuffix: exclusive for the
// process writing a backup, shared for readers. It never waits: a backup
// that is busy is reported as ErrBusy at once. (SQLite locks databases
// with fcntl, not flock, so this lock never meets SQLite's.)
func lockFile(path string, exclusive bool) (*os.File, error) {
	f, err := os.OpenFile(path+LockSuffix, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("backup: lock: %w", err)
	}
	if err := flock(f, exclusive); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// flock sets f's lock to exclusive or shared, without waiting.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return fmt.Errorf("%w: %s", ErrBusy, f.Name())
	}
	return err
}
