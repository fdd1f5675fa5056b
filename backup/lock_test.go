//go:build unix

package backup

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLockFileProtocol: the lock file exists only while someone holds
// it; holders exclude each other as flock says; the last one out removes
// it; and a lock taken on a lock file that was removed meanwhile is seen
// to be on the wrong file.
func TestLockFileProtocol(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b")
	name := path + LockSuffix
	present := func(want bool, when string) {
		t.Helper()
		if _, err := os.Stat(name); (err == nil) != want {
			t.Errorf("%s: lock file present %v, want %v", when, err == nil, want)
		}
	}
	w, err := lockBackup(path, true)
	if err != nil {
		t.Fatal(err)
	}
	present(true, "held exclusively")
	if _, err := lockBackup(path, false); !errors.Is(err, ErrBusy) {
		t.Errorf("shared lock beside an exclusive one: %v, want ErrBusy", err)
	}
	// A process that opened the file before the holder let go.
	stale, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.release(); err != nil {
		t.Fatal(err)
	}
	present(false, "released by its only holder")
	late := &lock{f: stale, path: name}
	if err := late.set(true); !errors.Is(err, errLockMoved) {
		t.Errorf("a lock on the removed file: %v, want errLockMoved", err)
	}
	stale.Close()

	r1, err := lockBackup(path, false)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := lockBackup(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockBackup(path, true); !errors.Is(err, ErrBusy) {
		t.Errorf("exclusive lock beside readers: %v, want ErrBusy", err)
	}
	if err := r1.release(); err != nil {
		t.Fatal(err)
	}
	present(true, "one reader left")
	if _, err := lockBackup(path, true); !errors.Is(err, ErrBusy) {
		t.Errorf("exclusive lock beside the remaining reader: %v, want ErrBusy", err)
	}
	if err := r2.release(); err != nil {
		t.Fatal(err)
	}
	present(false, "the last reader left")
}
