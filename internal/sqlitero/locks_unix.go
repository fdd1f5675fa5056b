//go:build unix

package sqlitero

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockedByOther reports whether a process holds an fcntl lock on any byte
// of [start, start+n) of path, asked with F_GETLK, which takes no lock. A
// missing file holds no lock; a file that cannot be opened or asked counts
// as locked, so that doubt never lets a command touch what another may be
// using. The caller makes sure this process does not have path open: the
// close at the end would drop this process's own POSIX locks on it.
func lockedByOther(path string, start, n int64) bool {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: start, Len: n}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil {
		return true
	}
	return lk.Type != unix.F_UNLCK
}

// lockDatabase takes, without waiting, a write lock on the SHARED bytes of
// the database file: what SQLite calls an EXCLUSIVE lock. Every connection
// holds a SHARED lock there while it reads, and in WAL mode for as long as
// it is open, and takes it before it opens -wal or -shm; so while this
// lock is held nobody has the database open and nobody can start to.
// ok is false when another process holds a lock there (or the file cannot
// be opened for writing, which a write lock needs).
func lockDatabase(path string) (unlock func(), ok bool) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, false
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: sharedFirst, Len: sharedSize}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true // closing releases the lock
}
