//go:build !unix

package backup

import (
	"errors"
	"os"
)

// Without fcntl there is no way to take SQLite's locks from outside
// SQLite: a backup of an encrypted database is refused (errNoLocks).
var errNoLocks = errors.New("backup: taking SQLite's locks needs fcntl (Linux, macOS)")

var errLockBusy = errors.New("lock held by another process")

const (
	reservedByte = 0x40000001
	shmReadLock0 = 123
)

func rdlock(*os.File, int64, int64) error         { return errNoLocks }
func unlock(*os.File, int64, int64) error         { return nil }
func lockedByOther(*os.File, int64) (bool, error) { return true, errNoLocks }
func sqliteShared(*os.File) error                 { return errNoLocks }
