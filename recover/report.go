package recover

// Report says what a repair saved and what it lost. It is also the JSON
// document of `dbrescue repair --json`: fields are only ever added.
type Report struct {
	Input    string `json:"input"`
	Output   string `json:"output"`
	Status   string `json:"status"` // StatusComplete, StatusPartial or StatusFailed
	Geometry struct {
		PageSize int    `json:"page_size"`
		Reserved int    `json:"reserved_bytes"`
		From     string `json:"from"` // header, meta or detected
		Encoding string `json:"encoding"`
		EncFrom  string `json:"encoding_from"`
	} `json:"geometry"`
	Meta       string   `json:"meta,omitempty"` // the newest metadata backup used
	Backup     bool     `json:"backup"`         // a page-level backup filled lost pages
	MetaErrors []string `json:"meta_errors,omitempty"`
	// Metas says, for every metadata backup given (and the one stored
	// with a page-level backup), whether it matched the file and was used.
	Metas []MetaReport `json:"metas,omitempty"`
	WAL   struct {
		Present           bool `json:"present"`
		CommittedFrames   int  `json:"committed_frames"`
		UncommittedFrames int  `json:"uncommitted_frames"` // verified frames after the last commit: ignored
		// Stop says why reading the WAL ended before its end: a frame
		// whose checksum or salts do not verify. After a crash or a WAL
		// reset this is normal; frames past it are not used.
		Stop  string `json:"stop,omitempty"`
		Error string `json:"error,omitempty"`
		// Salvaged says how the frames were proven without the WAL
		// header; LostFrames counts frames at its start that could not
		// be proven.
		Salvaged   string `json:"salvaged,omitempty"`
		LostFrames int    `json:"lost_frames,omitempty"`
		// SkippedFrames lists damaged frames inside the log that reading
		// stepped over; StalePages the pages served as they were before
		// such a frame; SaltsRepaired counts frames used although their
		// salts were damaged.
		SkippedFrames []int    `json:"skipped_frames,omitempty"`
		StalePages    []uint32 `json:"stale_pages,omitempty"`
		SaltsRepaired int      `json:"salts_repaired,omitempty"`
		// Missing is set for a WAL-mode database without its -wal:
		// commits not yet checkpointed may be absent.
		Missing bool `json:"missing,omitempty"`
	} `json:"wal"`
	// Journal is the hot rollback journal rolled back, when there is one.
	Journal      JournalReport  `json:"journal"`
	Pages        PageReport     `json:"pages"`
	Tables       []*TableReport `json:"tables"`
	LostAndFound []LostAndFound `json:"lost_and_found,omitempty"`
	// Deleted lists the deleted rows brought back with Options.Deleted.
	Deleted     []DeletedReport `json:"deleted,omitempty"`
	RejectedSQL []string        `json:"rejected_sql,omitempty"`
	// NotCreated lists indexes, views and triggers that could not be
	// created on the recovered rows (a UNIQUE index over duplicates, say).
	NotCreated []string `json:"not_created,omitempty"`
	// DeviceSteps are statements to run on the phone, whose collations
	// the repair does not have: the CREATE of an index left out, REINDEX
	// of a table whose constraint index could not be put in its order.
	DeviceSteps []string `json:"device_steps,omitempty"`
	// Damage lists the first problems met, as text.
	Damage      []string `json:"damage,omitempty"`
	DamageCount int      `json:"damage_count"`
	// Totals counts rows over every table.
	Totals Totals `json:"totals"`
	// Reasons lists why the status is not complete: every known loss and
	// every source that could not be used. Empty when complete.
	Reasons []Reason `json:"reasons,omitempty"`
	// Warnings are facts worth knowing that lose nothing known.
	Warnings []string `json:"warnings,omitempty"`
	// Score is page-based and kept for scripts written against earlier
	// releases; Totals and the per-table rows are the verdict.
	Score       Score   `json:"score"`
	Integrity   string  `json:"integrity_check"`
	ElapsedMS   float64 `json:"elapsed_ms"`
	MBPerSecond float64 `json:"mb_per_second"`

	// Encryption describes how an encrypted input was read, nil for a
	// plain one.
	Encryption *EncryptionReport `json:"encryption,omitempty"`
}

// JournalReport says what a rollback journal beside the input was, and
// how much of it was rolled back.
type JournalReport struct {
	Present bool `json:"present"`
	Hot     bool `json:"hot"`
	// NotHot says why a journal present was not rolled back (a zeroed
	// header after a PERSIST commit, say): normal, nothing lost.
	NotHot string `json:"not_hot,omitempty"`
	// Records were rolled back; BadRecords could not be (their checksum
	// fails, their page number is impossible): those pages keep what the
	// interrupted transaction wrote.
	Records      int    `json:"records"`
	BadRecords   int    `json:"bad_records"`
	OriginalSize uint32 `json:"original_size,omitempty"`
	Salvaged     string `json:"salvaged,omitempty"`
	Error        string `json:"error,omitempty"`
}

// Repair outcomes.
const (
	StatusComplete = "complete" // every row found, no loss detected, every input usable
	StatusPartial  = "partial"  // rows were recovered; Reasons says what was lost or unusable
	StatusFailed   = "failed"   // nothing could be recovered
)

// MetaReport is how one metadata backup was judged.
type MetaReport struct {
	Path       string `json:"path"`
	Used       string `json:"used,omitempty"` // the generation read: the path itself or its .prev
	CapturedAt string `json:"captured_at,omitempty"`
	Verdict    string `json:"verdict"` // MetaUsed or MetaRefused
	Why        string `json:"why,omitempty"`
	// LeavesSampled leaves of its page lists were compared with the file,
	// LeavesInPlace of them still byte-identical where it listed them.
	LeavesSampled int `json:"leaves_sampled"`
	LeavesInPlace int `json:"leaves_in_place"`
	// Objects counts the schema objects this backup supplied (the file's
	// own sqlite_master rows win, and newer backups win over older).
	Objects int `json:"objects"`
}

// Metadata backup verdicts.
const (
	MetaUsed    = "used"
	MetaRefused = "refused"
)

// Totals counts rows over every table.
type Totals struct {
	Recovered      int `json:"recovered"`         // rows written into their tables
	InLostAndFound int `json:"in_lost_and_found"` // rows kept, but not in their tables
	KnownLost      int `json:"known_lost"`        // rows known to be lost, with how it is known per table
	// PagesLostUnknownRows counts destroyed pages whose row count is not
	// known (no metadata backup lists them).
	PagesLostUnknownRows int `json:"pages_lost_unknown_rows"`
	Truncated            int `json:"truncated"` // rows kept with part of a value missing
	Damaged              int `json:"damaged"`   // rows kept but flagged: a value may not be what was written
}

// Reason is one reason the status is partial.
type Reason struct {
	// Code is one of the Reason* constants.
	Code  string `json:"code"`
	Table string `json:"table,omitempty"`
	Rows  int    `json:"rows,omitempty"`
	Pages int    `json:"pages,omitempty"`
	Text  string `json:"text"`
}

// Reason codes.
const (
	ReasonRowsLost        = "rows-lost"         // a table lost rows; Rows counts them (0: unknown)
	ReasonRowsTruncated   = "rows-truncated"    // rows kept with a value cut short
	ReasonRowsDamaged     = "rows-damaged"      // rows kept but flagged: a value may not be what was written
	ReasonRowsRejected    = "rows-rejected"     // rows SQLite refused (a constraint), kept in lost_and_found
	ReasonRowsUnplaced    = "rows-unplaced"     // rows kept in lost_and_found, their table unknown
	ReasonPagesLost       = "pages-lost"        // destroyed pages no table is known to own
	ReasonPagesMissing    = "pages-missing"     // the file is shorter than the database
	ReasonPagesFromBackup = "pages-from-backup" // lost pages restored from a page-level backup: rows as of the backup
	ReasonTreeDamage      = "tree-damage"       // a b-tree's structure is damaged (cells, loops, conflicts)
	ReasonSchema          = "schema"            // a schema object could not be recreated
	ReasonWAL             = "wal"               // the WAL exists but could not be (fully) used
	ReasonJournal         = "journal"           // the rollback journal could not be (fully) used
	ReasonMeta            = "meta"              // a metadata backup was unreadable or refused
	ReasonBackup          = "backup"            // the page-level backup could not be used
	ReasonIntegrity       = "integrity"         // the output failed PRAGMA integrity_check
	ReasonNothingInTable  = "table-not-found"   // a table's b-tree was not found at all
)

// PageReport classifies every page of the input.
type PageReport struct {
	Total      uint32 `json:"total"`
	Walked     uint32 `json:"walked"`   // reached from a root (b-tree and overflow pages)
	Orphaned   uint32 `json:"orphaned"` // b-tree pages reached by no walk, rows placed anyway
	Freelist   uint32 `json:"freelist"`
	Ptrmap     uint32 `json:"ptrmap"`
	Zero       uint32 `json:"zero"`       // all zero: content destroyed
	Unreadable uint32 `json:"unreadable"` // neither b-tree page nor zero (garbage or stray overflow)
	Missing    uint32 `json:"missing"`    // pages the database should have beyond the end of the file
	// FromBackup counts lost pages (zero, unreadable or missing) whose
	// rows were read from a page-level backup instead.
	FromBackup uint32 `json:"from_backup"`
}

// TableReport is one table's outcome.
type TableReport struct {
	Name string `json:"name"`
	// SchemaFrom is where the CREATE statement came from: "file" (its
	// sqlite_master row) or "meta" (a metadata backup).
	SchemaFrom  string `json:"schema_from"`
	RowsWritten int    `json:"rows_written"`
	// Rows by the evidence that put them in this table.
	FromWalk     int `json:"from_walk"`         // reached from the table's root
	FromOrphans  int `json:"from_orphans"`      // orphan pages placed by page lists, pointer map or shape
	FromCRC      int `json:"from_crc_verified"` // pages byte-identical to a leaf the metadata backup lists
	FromMetaList int `json:"from_meta_page_list"`
	FromRoot     int `json:"from_schema_root"` // orphan trees a lost schema row (carved, a metadata backup's) names the root of
	FromPtrmap   int `json:"from_pointer_map"`
	FromShape    int `json:"from_record_shape"`
	// FromCarved counts rows carved from damaged pages (their header or
	// cell pointers unusable) of the table's own tree, and rows its
	// index lists that were found whole only in the unallocated space of
	// its leaves (a lost write; these are also counted as damaged).
	FromCarved int `json:"from_carved"`
	FromBackup int `json:"from_backup"` // rows read from a page-level backup's copy of a lost page
	// CompletedFromBackup counts rows whose broken overflow chain was
	// completed from the backup's copy of the same row.
	CompletedFromBackup int `json:"completed_from_backup"`
	// Truncated rows were kept with the readable prefix of a value whose
	// overflow chain broke.
	Truncated     int     `json:"truncated"`
	TruncatedKeys []int64 `json:"truncated_rowids,omitempty"`
	// Damaged rows were kept but something says a value may not be what
	// was written: an overflow page differs from the metadata backup's
	// although their leaf does not, is all zeros, or ends a chain yet
	// points on; the record's sizes do not add up to its payload (a
	// damaged serial type); their page changed since a metadata backup
	// taken at the file's present state, or is served stale behind a
	// damaged WAL frame.
	Damaged int `json:"damaged"`
	// IndexMismatch counts rows whose indexed values differ from what the
	// damaged file's own index recorded for them: the row, or the index,
	// is damaged.
	IndexMismatch int `json:"index_mismatch"`
	Duplicates    int `json:"duplicates_dropped"` // older or lower-ranked copies of a row already written
	Rejected      int `json:"rejected"`           // rows SQLite refused (constraint), kept in lost_and_found
	// ToLostAndFound counts entries found in this table's b-tree that are
	// not rows of it (they do not fit its columns), kept in lost_and_found.
	ToLostAndFound int `json:"to_lost_and_found"`
	// RowsKnownLost counts rows known to be lost, LostHow says how that
	// is known; PagesLost lists (up to 20) destroyed pages of this table
	// and PagesLostCount counts them; LossUnknown is set when pages were
	// lost whose row count nothing records.
	RowsKnownLost  int      `json:"rows_known_lost"`
	LostHow        string   `json:"lost_how,omitempty"`
	PagesLost      []uint32 `json:"pages_lost,omitempty"`
	PagesLostCount int      `json:"pages_lost_count"`
	LossUnknown    bool     `json:"loss_unknown"`
	// AddedColumns lists columns added because records are wider than the
	// schema the metadata backup recorded (a column added after it).
	AddedColumns []string `json:"added_columns,omitempty"`
	// LeavesExpected is the metadata backup's leaf count, LeavesFound
	// how many of those leaves gave rows.
	LeavesExpected int `json:"leaves_expected,omitempty"`
	LeavesFound    int `json:"leaves_found,omitempty"`
	WalkErrors     int `json:"walk_errors"`
	// Path is how the rows were written: PathBulk (the b-tree built
	// directly) or PathInsert (through SQLite's INSERT); PathWhy says why
	// a table took the INSERT path.
	Path    string `json:"path,omitempty"`
	PathWhy string `json:"path_why,omitempty"`
}

// LostAndFound is one lost_and_found table: rows of one orphan b-tree that
// no table could claim, or entries of a table's b-tree that are not its
// rows.
type LostAndFound struct {
	Table     string `json:"table"`
	Rows      int    `json:"rows"`
	Pages     int    `json:"pages"`
	RootGuess uint32 `json:"root_guess"`
	Kind      string `json:"kind"` // "table" or "index" b-tree
	Path      string `json:"path,omitempty"`
}

// Score is the share of pages that should have held rows whose rows were
// recovered: zero-filled, unreadable and missing pages count against it.
// It counts pages, not rows; see Totals.
type Score struct {
	RowPagesRecovered uint32  `json:"row_pages_recovered"`
	RowPagesLost      uint32  `json:"row_pages_lost"`
	Percent           float64 `json:"percent"`
}
