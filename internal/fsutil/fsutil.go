// Package fsutil holds the few file-system steps that several packages
// need to write outputs durably and atomically: syncing a file and its
// directory, writing a file whole or not at all, copying a file.
package fsutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// SyncFile flushes the file at path to stable storage.
func SyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// SyncDir makes renames and creations in dir durable. Callers on file
// systems that cannot sync a directory may ignore the error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// TempInfix marks temporary files (NAME.tmp-123456) so that the leftovers
// of a killed writer can be found by name and removed.
const TempInfix = ".tmp-"

// CreateTemp creates a temporary file beside path (path.tmp-123456),
// to be renamed over path once written. Its error names path, the file
// a person asked for, not the temporary name they never gave.
func CreateTemp(path string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+TempInfix+"*")
	var pe *os.PathError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("cannot write %s: %w", path, pe.Err)
	}
	return f, err
}

// WriteAtomic writes data to path so that path holds either its old
// content or all of data, never a mix: a temporary file in the same
// directory, synced, renamed over path, then the directory synced.
func WriteAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := CreateTemp(path)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// CopyFile copies the file at from to a new file at to.
func CopyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ReadPrefix reads the first n bytes of the file at path, fewer when the
// file is shorter.
func ReadPrefix(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:m], err
}
