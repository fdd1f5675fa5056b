package backup

import (
	"errors"
	"fmt"
	"os"

	"github.com/dbrescue/dbrescue/internal/outputs"
)

// LockSuffix names the lock file beside a backup. It exists only while a
// process holds it: the last holder removes it (see lock.release).
const LockSuffix = outputs.SuffixLock

// lock is a held lock on a backup's lock file, path+LockSuffix: exclusive
// for the process writing the backup (Run), shared for readers (Open).
//
// The protocol keeps the lock file from outliving its holders without a
// race: a holder only trusts a lock taken on the inode the path still
// names once the lock is held (acquire checks with os.SameFile and starts
// again when the file was replaced), and the path is removed only by a
// process holding the lock exclusively, before it lets go. A process that
// opened the file just before that removal gets its lock on an inode that
// no longer has the name, sees it, and retries on a new file; two processes
// can therefore never hold "the" lock on two different inodes.
type lock struct {
	f         *os.File
	path      string // the lock file
	exclusive bool
}

// maxLockTries bounds how often acquire starts again on a file that was
// removed or replaced under it. Each retry means another holder let go in
// between; a few in a row mean churn, reported as busy.
const maxLockTries = 8

// lockBackup takes the lock of the backup at path, without waiting: a
// backup in use is reported as ErrBusy at once.
func lockBackup(path string, exclusive bool) (*lock, error) {
	name := path + LockSuffix
	for range maxLockTries {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("backup: lock: %w", err)
		}
		l := &lock{f: f, path: name}
		if err := l.set(exclusive); err != nil {
			f.Close()
			if errors.Is(err, errLockMoved) {
				continue
			}
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("%w: %s keeps being replaced", ErrBusy, name)
}

// errLockMoved: the lock was taken on a file that no longer has the lock
// file's name (its last holder removed it meanwhile).
var errLockMoved = errors.New("backup: lock file replaced")

// set takes the lock exclusive or shared, without waiting, and checks that
// it is still held on the file the path names. Converting a flock is not
// atomic (the old lock is dropped first), so the check also runs after a
// conversion.
func (l *lock) set(exclusive bool) error {
	if err := flock(l.f, exclusive, false); err != nil {
		return err
	}
	l.exclusive = exclusive
	held, err := l.f.Stat()
	if err != nil {
		return err
	}
	named, err := os.Stat(l.path)
	if err != nil || !os.SameFile(held, named) {
		return fmt.Errorf("%w: %s", errLockMoved, l.path)
	}
	return nil
}

// release lets go of the lock and removes the lock file when no one else
// holds it: an exclusive holder removes it before closing; a shared holder
// first tries, without waiting, to take it exclusively, and removes it
// only if that succeeds (other readers still hold it otherwise).
func (l *lock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	var err error
	if l.exclusive || flock(l.f, true, true) == nil {
		if named, serr := os.Stat(l.path); serr == nil {
			if held, herr := l.f.Stat(); herr == nil && os.SameFile(held, named) {
				err = removeLockFile(l.path)
			}
		}
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
