package corpus

import (
	"errors"
	"fmt"
)

// Errors returned by Corrupt, for errors.Is.
var (
	// ErrUnknownKind is a Corruption whose Kind is not in Kinds().
	ErrUnknownKind = errors.New("corpus: unknown corruption kind")
	// ErrBadOption is a Corruption option the kind does not accept or an
	// out-of-range value (a target the kind has no use for, a fraction
	// outside (0, 1), a negative count).
	ErrBadOption = errors.New("corpus: bad corruption option")
	// ErrNoTarget means the database holds nothing the kind can damage: no
	// WAL for a WAL kind, no freelist for freelist-loop, no overflow chain
	// of two pages for overflow-cut, and so on.
	ErrNoTarget = errors.New("corpus: nothing to corrupt")
	// ErrSameFile is an output path that names the input or its WAL.
	ErrSameFile = errors.New("corpus: output would overwrite the input")
)

// CorruptionError is the error Corrupt returns: which kind failed, on which
// input, and why (wrapping one of the sentinels above or an I/O error).
type CorruptionError struct {
	Kind Kind
	Path string
	Err  error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("corrupt %s with %s: %v", e.Path, e.Kind, e.Err)
}

// Unwrap returns the cause.
func (e *CorruptionError) Unwrap() error { return e.Err }

// noTarget builds an ErrNoTarget error with the reason.
func noTarget(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNoTarget, fmt.Sprintf(format, args...))
}

// badOption builds an ErrBadOption error with the reason.
func badOption(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadOption, fmt.Sprintf(format, args...))
}
