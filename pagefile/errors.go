package pagefile

import (
	"errors"
	"fmt"
)

// Sentinel causes of damage, for errors.Is. They are the project's one
// vocabulary of damage: a *CorruptError (damage in a database, WAL,
// journal or page image) carries one, and the layers above give the same
// ones to the errors of their own files, so that errors.Is(err,
// ErrTruncated) answers alike for a truncated page, WAL or side file.
var (
	// ErrLoop reports a chain (freelist, overflow, tree) that revisits a page.
	ErrLoop = errors.New("pagefile: loop")
	// ErrOutOfRange reports a page number or offset beyond what the file holds.
	ErrOutOfRange = errors.New("pagefile: out of range")
	// ErrPastEnd reports a page number beyond the last page of the file:
	// a pointer into a part the file lacks (truncation), or garbage. It
	// is an ErrOutOfRange too, so errors.Is(err, ErrOutOfRange) holds.
	ErrPastEnd = fmt.Errorf("%w: past the end of the file", ErrOutOfRange)
	// ErrTruncated reports data that ends before its declared length.
	ErrTruncated = errors.New("pagefile: truncated")
	// ErrBadValue reports a field whose value is impossible.
	ErrBadValue = errors.New("pagefile: bad value")
	// ErrChecksum reports stored bytes that do not match the checksum
	// stored with them. It is an ErrBadValue too (the checksum is a field
	// whose value is impossible for those bytes), so errors.Is(err,
	// ErrBadValue) holds.
	ErrChecksum = fmt.Errorf("%w: checksum mismatch", ErrBadValue)
)

// CorruptError describes damage found in a database, WAL or page image.
// Pgno is 0 when the damage is not in a page (the database header, a WAL
// header). Offset is relative to the page, or to the file when Pgno is 0.
type CorruptError struct {
	Pgno   uint32
	Offset int64
	Reason string
	Err    error // one of the sentinels above, or nil
}

func (e *CorruptError) Error() string {
	if e.Pgno == 0 {
		return fmt.Sprintf("corrupt at offset %d: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("corrupt page %d at offset %d: %s", e.Pgno, e.Offset, e.Reason)
}

// Unwrap returns the sentinel cause, so errors.Is(err, ErrLoop) works.
func (e *CorruptError) Unwrap() error { return e.Err }

// Corrupt builds a *CorruptError; reason is formatted with args.
func Corrupt(pgno uint32, offset int64, cause error, reason string, args ...any) *CorruptError {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	return &CorruptError{Pgno: pgno, Offset: offset, Reason: reason, Err: cause}
}
