package backup

import (
	"errors"

	"github.com/dbrescue/dbrescue/master"
)

// ErrNotBackup is the cause of a *FormatError for a file that does not
// start with the backup manifest magic. Damage inside a manifest carries
// the causes every layer shares (pagefile.ErrTruncated, pagefile.ErrChecksum,
// ErrBadValue), and a manifest from a newer dbrescue master.ErrVersion.
var ErrNotBackup = errors.New("backup: not a dbrescue backup manifest")

// Errors a caller can branch on.
var (
	// ErrBusy: another process is writing this backup (or, for Open,
	// writing it right now), so it cannot be used at the moment.
	ErrBusy = errors.New("backup: in use by another process")
	// ErrNotOurs: the destination exists and has no manifest, so it is
	// probably not a backup; Options.Force overwrites it anyway.
	ErrNotOurs = errors.New("backup: destination exists and is not a dbrescue backup")
	// ErrTargetExists: Restore would overwrite a database and was not
	// told to.
	ErrTargetExists = errors.New("backup: target database exists")
	// ErrNoProgress: in rollback-journal mode, writers kept changing the
	// source faster than the backup could copy it.
	ErrNoProgress = errors.New("backup: source kept changing during the backup")
	// ErrInconsistent: the pages copied do not match the metadata
	// captured through SQLite from the same snapshot; nothing was written.
	ErrInconsistent = errors.New("backup: copy does not match the snapshot")
)

// FormatError is the error type for a manifest or an undo journal that
// cannot be used. It is the same type as master.FormatError, so one
// errors.As target catches a damaged manifest, journal and metadata
// backup; File is FileManifest or FileJournal.
type FormatError = master.FormatError

// FormatError.File for a backup's own files.
const (
	FileManifest = "backup manifest"
	FileJournal  = "backup journal" // the undo journal of an update
)

func formatErr(off int64, cause error, reason string, args ...any) *FormatError {
	return master.NewFormatError(FileManifest, off, cause, reason, args...)
}

func journalErr(off int64, cause error, reason string, args ...any) *FormatError {
	return master.NewFormatError(FileJournal, off, cause, reason, args...)
}
