package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/internal/sniff"
)

// Exit codes. Scripts and the mobile-support tooling branch on them, so their
// meaning never changes.
const (
	exitOK      = 0 // the command did everything it was asked
	exitFailure = 1 // the command could not do its job (unreadable file, I/O error, ...)
	exitUsage   = 2 // the command line was wrong: unknown flag, missing or extra argument, bad value, an output that is an input
	exitPartial = 3 // a recovery finished but lost data; the report says what
)

// ErrPartial marks a result that is usable but incomplete, such as a repair
// that could not save every row. Commands wrap it with the details
// (fmt.Errorf("%w: 3 of 40 pages unreadable", ErrPartial)) and exit with 3.
var ErrPartial = errors.New("partial recovery")

// UsageError is a mistake on the command line. It carries the full name of
// the command ("dbrescue inspect") so the message can point at its help.
type UsageError struct {
	Command string
	Err     error
}

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying parse or validation error.
func (e *UsageError) Unwrap() error { return e.Err }

// usageErrorf builds a *UsageError for the command named cmdName.
func usageErrorf(cmdName, format string, args ...any) *UsageError {
	return &UsageError{Command: cmdName, Err: fmt.Errorf(format, args...)}
}

// exitCode reports err on stderr and returns the exit code it maps to.
// Commands do not print their own fatal errors: this is the one place that
// does, so every failure reads the same way.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var usage *UsageError
	var conflict *outputs.ConflictError
	var notDB *sniff.NotDatabaseError
	var noDir *outputs.DirError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", usage.Command, usage.Err, usage.Command)
		return exitUsage
	case errors.As(err, &conflict):
		// An output that would overwrite an input is a mistake on the
		// command line, whichever layer noticed it.
		fmt.Fprintf(stderr, "dbrescue: %v\n", conflict)
		return exitUsage
	case errors.As(err, &notDB):
		// What the file is, in one sentence: the layers it went through
		// add nothing a person needs.
		fmt.Fprintf(stderr, "dbrescue: %v\n", notDB)
		return exitFailure
	case errors.As(err, &noDir):
		fmt.Fprintf(stderr, "dbrescue: %v\n", noDir)
		return exitFailure
	case errors.Is(err, ErrPartial):
		fmt.Fprintf(stderr, "dbrescue: %v\n", err)
		return exitPartial
	default:
		fmt.Fprintf(stderr, "dbrescue: %v\n", err)
		return exitFailure
	}
}
