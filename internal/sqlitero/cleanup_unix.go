//go:build unix

package sqlitero

import (
	"errors"
	"fmt"
	"os"
)

// cleanup removes the -shm, and the -wal when it is empty, that SQLite
// created beside the database at path although they were not there before
// Open: a connection opened Shared creates them when the connection that
// made Open choose Shared closed in between. It removes them only while it
// holds SQLite's EXCLUSIVE lock on the database file (see lockDatabase), as
// SQLite does when its last connection deletes the WAL: then nobody has the
// database open and nobody can open it until they are gone. A WAL with
// content is left alone: a writer committed into it. Nothing is removed
// while this process still has the files open.
func cleanup(path string, before companions) error {
	shm, wal := path+suffixSHM, path+suffixWAL
	newSHM := !before.shm && exists(shm)
	newWAL := !before.wal && exists(wal)
	if !newSHM && !newWAL {
		return nil
	}
	if openedHere(path) || openedHere(shm) || openedHere(wal) {
		return nil
	}
	unlock, ok := lockDatabase(path)
	if !ok {
		return nil
	}
	defer unlock()
	var errs []error
	if newWAL {
		if st, err := os.Stat(wal); err == nil && st.Size() == 0 {
			errs = append(errs, remove(wal))
		}
	}
	if newSHM {
		errs = append(errs, remove(shm))
	}
	return errors.Join(errs...)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sqlitero: removing %s, created while reading: %w", path, err)
	}
	return nil
}
