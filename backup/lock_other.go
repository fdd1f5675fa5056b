//go:build !unix

package backup

import "os"

// flock does nothing where flock is unavailable: concurrent writers of one
// backup are then the caller's responsibility.
func flock(*os.File, bool, bool) error { return nil }

// removeLockFile removes the lock file if it can. Without flock nothing
// tells whether another process holds it, and Windows may refuse to remove
// a file that is open; the file then stays, as it always did.
func removeLockFile(path string) error {
	_ = os.Remove(path)
	return nil
}
