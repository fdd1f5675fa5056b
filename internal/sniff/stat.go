package sniff

import (
	"os"
)

// Stat returns what the file system says of path, or a *NotDatabaseError
// when that alone rules out a database: a directory, something that is
// not a regular file, an empty file. Symbolic links are followed. Errors
// of the file system (a missing file, no permission) are returned as is.
func Stat(path string) (os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var k Kind
	switch {
	case st.IsDir():
		k = Directory
	case !st.Mode().IsRegular():
		k = NotRegular
	case st.Size() == 0:
		k = Empty
	default:
		return st, nil
	}
	return st, &NotDatabaseError{Path: path, Finding: Finding{Kind: k, Size: st.Size()}}
}

// RequireSQLite returns nil when path is a regular, non-empty file that
// starts with SQLite's header string, and a *NotDatabaseError saying what
// it is otherwise. It is for readers that go through SQLite, which reads
// nothing without the header; dbrescue's own reader reads on without it
// (see Describe).
func RequireSQLite(path string) error {
	st, err := Stat(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	found := Content(f, st.Size())
	if found.Kind == SQLite {
		return nil
	}
	return &NotDatabaseError{Path: path, Finding: found, Why: WhyNoHeader}
}

// Describe returns the *NotDatabaseError of the regular file at path
// that a reader gave up on for the reason why, wrapping cause; the file is
// read again to see what it looks like. It is for readers of the pages
// themselves, which give up only when no page size makes sense.
func Describe(path, why string, cause error) error {
	f, err := ContentOf(path)
	if err != nil {
		return cause
	}
	return &NotDatabaseError{Path: path, Finding: f, Why: why, Err: cause}
}

// ContentOf is Content of the file at path.
func ContentOf(path string) (Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return Finding{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Finding{}, err
	}
	return Content(f, st.Size()), nil
}
