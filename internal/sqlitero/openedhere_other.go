//go:build unix && !linux

package sqlitero

// openedHere cannot tell, outside Linux, which files this process has
// open. A database that SQLite in this same process has open then looks
// unused, and the lock probes, which open and close the file, drop that
// connection's POSIX locks: callers that embed dbrescue on such systems
// should not capture a database their own process has open.
func openedHere(string) bool { return false }
