package sniff

import (
	"fmt"
)

// Why a reader gave up, for NotDatabaseError.Why.
const (
	// WhyNoPageSize: no page size from 512 to 65536 makes the file's
	// pages parse as b-tree pages (dbrescue's own reader).
	WhyNoPageSize = "no page parses at any page size"
	// WhyNoHeader: the file does not start with SQLite's header string,
	// so SQLite reads nothing.
	WhyNoHeader = "it does not start with SQLite's header"
)

// NotDatabaseError says, in one sentence, what a file is when it is not a
// database a command can read. Kind tells scripts (errors.As) what it is;
// Err, when set, is the reader's own error (package census wraps its
// ErrNoGeometry here, so errors.Is still finds it).
type NotDatabaseError struct {
	Path string
	Finding
	Why string // WhyNoPageSize, WhyNoHeader, or empty for Stat's kinds
	Err error
}

func (e *NotDatabaseError) Unwrap() error { return e.Err }

func (e *NotDatabaseError) Error() string {
	switch e.Kind {
	case Directory:
		return fmt.Sprintf("%s is a directory, not a database file", e.Path)
	case NotRegular:
		return fmt.Sprintf("%s is not a regular file (a device, pipe or socket), not a database file", e.Path)
	case Empty:
		return fmt.Sprintf("%s is empty (0 bytes): there is nothing to read", e.Path)
	case SQLite:
		return fmt.Sprintf("%s starts with SQLite's header, but %s: too little of a database survives in it to read", e.Path, e.why())
	case Encrypted:
		return fmt.Sprintf("%s looks encrypted (SQLCipher, WCDB's cipher): %s, its bytes look random and its %d bytes are a whole number of %d-byte pages; it needs the key (--key-file)",
			e.Path, e.why(), e.Size, e.PageSize)
	}
	return fmt.Sprintf("%s is not a SQLite database: %s; %s", e.Path, e.why(), e.looks())
}

// why is the reader's reason, or a neutral one.
func (e *NotDatabaseError) why() string {
	if e.Why == "" {
		return "it cannot be read as one"
	}
	return e.Why
}

// looks says what the bytes look like.
func (e *NotDatabaseError) looks() string {
	switch e.Kind {
	case Text:
		return fmt.Sprintf("the first bytes look like text (%q)", e.Start)
	case Zeros:
		return "its first bytes are all zero (a file never written, or wiped)"
	case ZeroHeader:
		return "its first 100 bytes, where SQLite's header belongs, are all zero, as when page 1 of a database is wiped: dbrescue inspect and repair read such a database without its header"
	case Random:
		return "the first bytes look like random data; if it is encrypted (SQLCipher, WCDB's cipher), it needs the key (--key-file)"
	case WAL:
		return "it is a SQLite write-ahead log (WAL): give the database it belongs to, whose WAL is read from DB-wal"
	case Journal:
		return "it is a SQLite rollback journal: give the database it belongs to, whose journal is read from DB-journal"
	case Gzip:
		return "it is gzip-compressed: decompress it first (gunzip)"
	case Zip:
		return "it is a zip archive: extract the database from it first (unzip)"
	}
	return fmt.Sprintf("the first bytes are binary data of no kind dbrescue knows (%s)", e.Start)
}
