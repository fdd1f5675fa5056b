//go:build unix

package backup

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// SQLite's unix VFS locks (os_unix.c): the lock-byte page's PENDING byte,
// the RESERVED byte after it, and the SHARED range after that. In a -shm
// file, lock slot i is byte shmLockBase+i; slot 3 is WAL_READ_LOCK(0).
const (
	pendingByte  = 0x40000000
	reservedByte = pendingByte + 1
	sharedFirst  = pendingByte + 2
	sharedSize   = 510
	shmLockBase  = 120
	shmReadLock0 = shmLockBase + 3
)

// errLockBusy is a lock another process holds; the caller retries.
var errLockBusy = errors.New("lock held by another process")

// rdlock takes a shared fcntl lock on [start, start+n) of f without
// waiting; errLockBusy when a writer holds it.
func rdlock(f *os.File, start, n int64) error {
	return setlk(f, unix.F_RDLCK, start, n)
}

// unlock releases this process's fcntl lock on [start, start+n) of f.
func unlock(f *os.File, start, n int64) error {
	return setlk(f, unix.F_UNLCK, start, n)
}

func setlk(f *os.File, typ int16, start, n int64) error {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: start, Len: n}
	err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return errLockBusy
	}
	if err != nil {
		return fmt.Errorf("fcntl lock on %s: %w", f.Name(), err)
	}
	return nil
}

// lockedByOther reports whether another process holds a lock on byte off
// of f (F_GETLK, which takes nothing; this process's own locks are not
// reported).
func lockedByOther(f *os.File, off int64) (bool, error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: off, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil {
		return true, fmt.Errorf("fcntl F_GETLK on %s: %w", f.Name(), err)
	}
	return lk.Type != unix.F_UNLCK, nil
}

// sqliteShared takes the SHARED lock SQLite's reader takes on a database
// file, exactly as unixLock does: a read lock on PENDING (which a writer
// waiting for EXCLUSIVE holds, so new readers queue behind it), a read
// lock on the SHARED range, then PENDING released. While it is held no
// connection can take EXCLUSIVE, so in rollback-journal mode nobody
// writes the file; in WAL mode nobody can close the database and delete
// its WAL.
func sqliteShared(f *os.File) error {
	if err := rdlock(f, pendingByte, 1); err != nil {
		return err
	}
	err := rdlock(f, sharedFirst, sharedSize)
	if uerr := unlock(f, pendingByte, 1); err == nil {
		err = uerr
	}
	return err
}
