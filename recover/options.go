package recover

import (
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Options control a repair.
type Options struct {
	// Output is the path of the new database. It must not exist unless
	// Force is set, and must not be the input.
	Output string
	Force  bool
	// MetaPaths are metadata backups to use; each path's previous
	// generation (.prev) is tried when the path itself is damaged, and the
	// first that verifies is used.
	MetaPaths []string
	// WALPath overrides the WAL to overlay (default: input + "-wal").
	WALPath string
	// NoWAL ignores any WAL.
	NoWAL bool
	// JournalPath overrides the rollback journal to roll back (default:
	// input + "-journal", when it exists and is hot).
	JournalPath string
	// NoJournal ignores any rollback journal.
	NoJournal bool
	// Progress, when set, is called as the repair goes through its
	// phases (the Phase constants); done and total count the phase's
	// units, and total is 0 when the phase cannot tell.
	Progress func(phase string, done, total int)
	// BoundHeap sets a soft limit on the Go heap (debug.SetMemoryLimit)
	// for the repair's duration, sized to what it keeps for this file,
	// unless a limit is set already (GOMEMLIMIT): the collector then runs
	// before the heap has doubled, and the peak RSS stays near what is
	// live. The limit is the process's: leave it off when other work in
	// the process needs memory while the repair runs. The CLI sets it.
	BoundHeap bool
	// Deleted brings back the rows deleted from each table that still
	// survive in free space (freeblocks and unallocated space of its
	// leaves, free pages that were its leaves), into a table of their own
	// per table (dbrescue_deleted_<table>), never among the live rows.
	Deleted bool
	// NoBulk writes every row through SQLite's INSERT, as releases before
	// the bulk builder did, instead of building the b-trees of the tables
	// and indexes the builder can write directly (see package bulk).
	NoBulk bool
	// SkipIntegrityCheck leaves SQLite's PRAGMA integrity_check of the
	// output out, for a caller that checks the output itself or measures
	// the rest: the report's integrity_check then says "not checked", and
	// the repair is never COMPLETE.
	SkipIntegrityCheck bool
	// Backup, when set, is a page-level backup of the same database:
	// rows on pages the damaged file lost are read from the backup's
	// version of those pages.
	Backup *BackupPages
	// PageMap, when set, is called once the output is written with the
	// census of the input and what became of every page (see PageMap).
	PageMap func(*PageMap)
	// Cipher, when set, decrypts a SQLCipher database (see
	// pagefile.OpenCipher; derive it once, it is costly). The output is
	// plaintext, and the report says so, unless EncryptOutput is set:
	// then it is encrypted with the same key and parameters.
	Cipher        *pagefile.Cipher
	EncryptOutput bool
}

// The phases of a repair, as Options.Progress names them.
const (
	PhaseSurvey  = "survey"  // every page read and classified; pages
	PhaseRows    = "rows"    // b-trees walked, rows written; pages
	PhaseBackup  = "backup"  // lost pages read from a page-level backup; pages
	PhaseBuild   = "build"   // b-trees written directly by the builder; tables
	PhaseIndexes = "indexes" // indexes, views and triggers created; objects
	PhaseCheck   = "check"   // PRAGMA integrity_check of the output; no count
)

// BackupPages is what a repair needs of a page-level backup (see package
// backup, whose Open provides all three).
type BackupPages struct {
	// Source serves the backup's pages, numbered as in the database.
	Source pagefile.Source
	// Meta is the metadata backup of the backup's own snapshot: its leaf
	// CRCs say which table each backup leaf belongs to. It also serves as
	// the repair's metadata backup when none is given.
	Meta *master.Meta
	// Verify reports whether a page read from Source matches the backup's
	// manifest; a page that does not is not used.
	Verify func(pgno uint32, page []byte) bool
}
