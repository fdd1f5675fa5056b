package backup

import (
	"errors"
	"fmt"
)

// Causes carried by FormatError, for errors.Is.
var (
	ErrNotBackup = errors.New("not a dbrescue backup manifest")
	ErrVersion   = errors.New("backup manifest format from a newer dbrescue")
	ErrChecksum  = errors.New("checksum mismatch")
	ErrTruncated = errors.New("truncated")
	ErrCorrupt   = errors.New("malformed content")
)

// Errors a caller can branch on.
var (
	// ErrBusy: another process is writing this backup (or, for Open,
	// writing it right now), so it cannot be used at the moment.
	ErrBusy = errors.New("backup in use by another process")
	// ErrNotOurs: the destination exists and has no manifest, so it is
	// probably not a backup; Options.Force overwrites it anyway.
	ErrNotOurs = errors.New("destination exists and is not a dbrescue backup")
	// ErrTargetExists: Restore would overwrite a database and was not
	// told to.
	ErrTargetExists = errors.New("target database exists")
	// ErrNoProgress: in rollback-journal mode, writers kept changing the
	// source faster than the backup could copy it.
	ErrNoProgress = errors.New("source kept changing during the backup")
	// ErrInconsistent: the pages copied do not match the metadata
	// captured through SQLite from the same snapshot; nothing was written.
	ErrInconsistent = errors.New("copy does not match the snapshot")
)

// FormatError describes a manifest or journal that cannot be used: where
// (byte offset in the file) and why.
type FormatError struct {
	Path   string
	Offset int64
	Reason string
	Err    error
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("backup manifest: offset %d: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("backup manifest %s: offset %d: %s", e.Path, e.Offset, e.Reason)
}

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(off int64, cause error, reason string, args ...any) *FormatError {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	return &FormatError{Offset: off, Reason: reason, Err: cause}
}

func withPath(err error, path string) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		fe.Path = path
	}
	return err
}
