//go:build !unix

package backup

import "os"

// LockSuffix names the lock file beside a backup.
const LockSuffix = ".lock"

// lockFile is a no-op where flock is unavailable: concurrent writers of one
// backup are then the caller's responsibility.
func lockFile(path string, _ bool) (*os.File, error) {
	return os.OpenFile(path+LockSuffix, os.O_RDWR|os.O_CREATE, 0o644)
}

func flock(*os.File, bool) error { return nil }
