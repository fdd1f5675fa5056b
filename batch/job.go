package batch

import (
	"github.com/dbrescue/dbrescue/export"
)

// Job is one database to repair.
type Job struct {
	Input  string `json:"input"`
	Output string `json:"output"`
	// Companions found beside Input by name; WAL and journal are read by
	// the repair from their default names, the others are given to it.
	WAL     string `json:"wal,omitempty"`
	Journal string `json:"journal,omitempty"`
	Meta    string `json:"meta,omitempty"`
	Backup  string `json:"backup,omitempty"`
	// Size is the bytes of the database and its WAL, for scheduling.
	Size int64 `json:"size"`
}

// Skipped is a file met in a directory that is not taken for a database.
type Skipped struct {
	Path string `json:"path"`
	What string `json:"what"` // what it looks like (package sniff's kind)
}

// Settings are what every job of a run shares.
type Settings struct {
	// Force replaces outputs that exist.
	Force bool `json:"force,omitempty"`
	// NoWAL and NoJournal ignore every database's WAL or journal.
	NoWAL     bool `json:"no_wal,omitempty"`
	NoJournal bool `json:"no_journal,omitempty"`
	// Deleted brings back deleted rows (recover.Options.Deleted).
	Deleted bool `json:"deleted,omitempty"`
	// Export, when set, exports each repaired database into
	// export.DirBeside(output, Export).
	Export export.Format `json:"export,omitempty"`
}
