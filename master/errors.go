package master

import (
	"errors"
	"fmt"
)

// Causes a *FormatError carries that only dbrescue's own files have, for
// errors.Is. Damage inside such a file carries the causes every layer
// shares, from package pagefile: pagefile.ErrTruncated (the file ends
// before a length it declares), pagefile.ErrChecksum (a stored checksum
// does not match) and pagefile.ErrBadValue (a field whose value is
// impossible).
var (
	// ErrNotMeta: the file does not start with the metadata backup magic.
	ErrNotMeta = errors.New("master: not a dbrescue metadata backup")
	// ErrVersion: the file is in a format version from a newer dbrescue
	// (a metadata backup or a backup manifest).
	ErrVersion = errors.New("master: format version from a newer dbrescue")
)

// FormatError describes one of dbrescue's own files (a metadata backup, a
// backup manifest) that cannot be used: which file, where (byte offset in
// the file, or in the decompressed body when Body is set) and why. It is
// to those files what pagefile.CorruptError is to a database: Err is one
// of the causes above, or pagefile.ErrTruncated, pagefile.ErrChecksum or
// pagefile.ErrBadValue.
type FormatError struct {
	File   string // what the file is: FileMeta, or the decoding package's name for its own
	Path   string // empty when the bytes did not come from a named file
	Offset int64
	Body   bool
	Reason string
	Err    error
}

// FileMeta is FormatError.File for a metadata backup.
const FileMeta = "metadata backup"

func (e *FormatError) Error() string {
	where := "offset"
	if e.Body {
		where = "body offset"
	}
	if e.Path == "" {
		return fmt.Sprintf("%s: %s %d: %s", e.File, where, e.Offset, e.Reason)
	}
	return fmt.Sprintf("%s %s: %s %d: %s", e.File, e.Path, where, e.Offset, e.Reason)
}

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

// NewFormatError builds a *FormatError for a file of the kind named by
// file; reason is formatted with args.
func NewFormatError(file string, off int64, cause error, reason string, args ...any) *FormatError {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	return &FormatError{File: file, Offset: off, Reason: reason, Err: cause}
}

// WithPath names path in the *FormatError err holds, if any, and returns
// err: decoders see bytes, the callers that read them know the file.
func WithPath(err error, path string) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		fe.Path = path
	}
	return err
}

func formatErr(off int64, cause error, reason string, args ...any) *FormatError {
	return NewFormatError(FileMeta, off, cause, reason, args...)
}
