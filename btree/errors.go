package btree

import "github.com/dbrescue/dbrescue/pagefile"

// CorruptError is the error type for damage: page number, offset, reason.
// It is the same type as pagefile.CorruptError, so one errors.As target
// catches damage found at either layer.
type CorruptError = pagefile.CorruptError

// Sentinel causes, shared with pagefile, for errors.Is.
var (
	ErrLoop       = pagefile.ErrLoop
	ErrOutOfRange = pagefile.ErrOutOfRange
	ErrPastEnd    = pagefile.ErrPastEnd
	ErrTruncated  = pagefile.ErrTruncated
	ErrBadValue   = pagefile.ErrBadValue
)

var corrupt = pagefile.Corrupt
