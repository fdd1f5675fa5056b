package backup

import "time"

// Options control Run. The zero value is usable.
type Options struct {
	// StepPages is how many pages each step of SQLite's backup API copies
	// (default 1024). Between steps the source's lock is released in
	// rollback-journal mode, and Pause is slept.
	StepPages int
	// Pause is slept between steps. In WAL mode it throttles the copy so
	// that it competes less with writers for CPU and disk; in
	// rollback-journal mode it is when writers commit. Zero (the default)
	// is automatic in WAL mode: full speed while no other connection
	// commits, then 2 ms per MiB copied for the rest of the copy (see
	// pacer); in rollback-journal mode no pause. NoPause never pauses.
	Pause time.Duration
	// Progress, when set, is called after every step.
	Progress func(Progress)
	// Full takes a whole new copy even when an incremental update is
	// possible (ModeFull): every page is copied and written into the
	// backup, under the same undo journal as an update (so the journal
	// briefly needs the backup's size on disk), whatever the old
	// manifest's CRCs say. Against a store, every page is uploaded again.
	Full bool
	// BackupAPI makes a full WAL-mode backup copy the database with
	// SQLite's online backup API, page by page, even when the database
	// file and WAL can be read directly (several times faster; see
	// copyPages). Rollback-journal databases always use the backup API.
	BackupAPI bool
	// Force overwrites a destination that exists but has no manifest,
	// and backs up even when the source looks unchanged since the last
	// backup.
	Force bool
	// Encryption, for a database encrypted with SQLCipher: its pages are
	// copied as ciphertext without SQLite (see Encryption). A source
	// package sniff finds encrypted is treated so without it.
	Encryption *Encryption
	// MaxRestarts bounds how often, in rollback-journal mode, a commit by
	// another connection may restart the copy before Run gives up with
	// ErrNoProgress (default 8). Each restart doubles the step size.
	MaxRestarts int
	// MaxBusyRetries bounds how often a step that found the source locked
	// is retried, with a backoff from 10 ms doubling to 1 s (default 30).
	MaxBusyRetries int

	// crashAt, in tests, makes Run stop dead (as if killed) when it
	// reaches the named stage of an update; see crashPoint.
	crashAt string
}

// Progress reports how far a backup is.
type Progress struct {
	Phase string // PhaseCopy, PhaseHash or PhaseWrite
	Done  int    // pages done in this phase
	Total int    // pages in this phase
}

// Phases of a backup, in the order they run.
const (
	PhaseCopy  = "copy"  // the snapshot is copied to a temporary file
	PhaseHash  = "hash"  // page CRCs are computed (of the backup API's copy, or of the snapshot itself)
	PhaseWrite = "write" // changed pages are written into the backup
)

func (o Options) withDefaults() Options {
	if o.StepPages <= 0 {
		o.StepPages = 1024
	}
	if o.MaxRestarts <= 0 {
		o.MaxRestarts = 8
	}
	if o.MaxBusyRetries <= 0 {
		o.MaxBusyRetries = 30
	}
	return o
}

func (o *Options) progress(phase string, done, total int) {
	if o.Progress != nil {
		o.Progress(Progress{Phase: phase, Done: done, Total: total})
	}
}

// Result reports what Run did.
type Result struct {
	Path     string `json:"path"`
	Manifest string `json:"manifest"`
	// Mode is ModeFull (a new backup file), ModeIncremental (only pages
	// that differ were written into the existing backup) or
	// ModeUnchanged (the source had not changed; nothing was read).
	Mode string `json:"mode"`
	// CopiedWith says how the snapshot's pages were read: CopiedWithAPI
	// (SQLite's online backup API), CopiedFromFiles (a full copy of the
	// read snapshot, from the database file and WAL) or
	// CopiedFromSnapshot (pages of the read snapshot compared by CRC, as
	// sqlite3_rsync does, and only those that differ copied).
	CopiedWith string `json:"copied_with,omitempty"`
	// PagesReadFrom, for CopiedFromFiles and CopiedFromSnapshot, says where the pages came
	// from: the files ("file", "file+wal") or "sqlite_dbpage".
	PagesReadFrom string `json:"pages_read_from,omitempty"`
	// PageSizeFrom, for an encrypted source, says where the page size
	// came from (PageSizeFrom...): only the key proves it.
	PageSizeFrom string `json:"page_size_from,omitempty"`
	PageSize     int    `json:"page_size"`
	PageCount    uint32 `json:"page_count"`
	PagesWritten int    `json:"pages_written"`
	BytesWritten int64  `json:"bytes_written"`
	JournalBytes int64  `json:"journal_bytes"`
	Steps        int    `json:"steps"`
	Restarts     int    `json:"restarts"`
	// WritersSeen: other connections committed during a WAL-mode copy
	// (which then slowed down to stay out of their way, at the automatic
	// pace; see Options.Pause).
	WritersSeen bool     `json:"writers_seen"`
	BusyRetries int      `json:"busy_retries"`
	Recovered   string   `json:"recovered,omitempty"` // what was found of an interrupted earlier run
	Snapshot    Snapshot `json:"snapshot"`
	Elapsed     float64  `json:"elapsed_ms"`
}

// Modes and copy methods of a Result.
const (
	ModeFull           = "full"
	ModeIncremental    = "incremental"
	ModeUnchanged      = "unchanged"
	CopiedWithAPI      = "backup-api"
	CopiedFromSnapshot = "snapshot-diff"
	CopiedFromFiles    = "snapshot-copy"
)
