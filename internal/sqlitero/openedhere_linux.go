package sqlitero

import (
	"os"
	"path/filepath"
)

// openedHere reports whether this process has a descriptor open on the
// file at path (SQLite in this process, for one), by comparing path with
// every entry of /proc/self/fd. When /proc cannot be read it says no.
func openedHere(path string) bool {
	want, err := os.Stat(path)
	if err != nil {
		return false
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return false
	}
	for _, fd := range fds {
		st, err := os.Stat(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && os.SameFile(st, want) {
			return true
		}
	}
	return false
}
