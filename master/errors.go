package master

import (
	"errors"
	"fmt"
)

// Causes carried by FormatError, for errors.Is.
var (
	ErrNotMeta   = errors.New("not a dbrescue metadata backup")
	ErrVersion   = errors.New("metadata backup format from a newer dbrescue")
	ErrChecksum  = errors.New("checksum mismatch")
	ErrTruncated = errors.New("truncated")
	ErrCorrupt   = errors.New("malformed content")
)

// FormatError describes a metadata backup file that cannot be used: where
// (byte offset in the file, or in the decompressed body when Body is set)
// and why.
type FormatError struct {
	Path   string
	Offset int64
	Body   bool
	Reason string
	Err    error
}

func (e *FormatError) Error() string {
	where := "offset"
	if e.Body {
		where = "body offset"
	}
	if e.Path == "" {
		return fmt.Sprintf("metadata backup: %s %d: %s", where, e.Offset, e.Reason)
	}
	return fmt.Sprintf("metadata backup %s: %s %d: %s", e.Path, where, e.Offset, e.Reason)
}

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(off int64, cause error, reason string, args ...any) *FormatError {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	return &FormatError{Offset: off, Reason: reason, Err: cause}
}
