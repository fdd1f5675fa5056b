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
	Meta       string   `json:"meta,omitempty"` // the metadata backup used
	Backup     bool     `json:"backup"`         // a page-level backup filled lost pages
	MetaErrors []string `json:"meta_errors,omitempty"`
	WAL        struct {
		Present           bool `json:"present"`
		CommittedFrames   int  `json:"committed_frames"`
		UncommittedFrames int  `json:"uncommitted_frames"` // verified frames after the last commit: ignored
		// Stop says why reading the WAL ended before its end: a frame
		// whose checksum or salts do not verify. After a crash or a WAL
		// reset this is normal; frames past it are not used.
		Stop  string `json:"stop,omitempty"`
		Error string `json:"error,omitempty"`
	} `json:"wal"`
	Pages        PageReport     `json:"pages"`
	Tables       []*TableReport `json:"tables"`
	LostAndFound []LostAndFound `json:"lost_and_found,omitempty"`
	RejectedSQL  []string       `json:"rejected_sql,omitempty"`
	// NotCreated lists indexes, views and triggers that could not be
	// created on the recovered rows (a UNIQUE index over duplicates, say).
	NotCreated []string `json:"not_created,omitempty"`
	// Damage lists the first problems met, as text.
	Damage      []string `json:"damage,omitempty"`
	DamageCount int      `json:"damage_count"`
	Score       Score    `json:"score"`
	Integrity   string   `json:"integrity_check"`
	ElapsedMS   float64  `json:"elapsed_ms"`
	MBPerSecond float64  `json:"mb_per_second"`
}

// Repair outcomes.
const (
	StatusComplete = "complete" // no loss was detected
	StatusPartial  = "partial"  // rows were recovered, some were lost or are incomplete
	StatusFailed   = "failed"   // nothing could be recovered
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
	Missing    uint32 `json:"missing"`    // pages the metadata backup expects beyond the end of the file
	// FromBackup counts lost pages (zero, unreadable or missing) whose
	// rows were read from a page-level backup instead.
	FromBackup uint32 `json:"from_backup"`
}

// TableReport is one table's outcome.
type TableReport struct {
	Name        string `json:"name"`
	SchemaFrom  string `json:"schema_from"`
	RowsWritten int    `json:"rows_written"`
	FromWalk    int    `json:"from_walk"`
	FromOrphans int    `json:"from_orphans"`
	FromCRC     int    `json:"from_crc_verified"`
	FromBackup  int    `json:"from_backup"` // rows read from a page-level backup's copy of a lost page
	// CompletedFromBackup counts rows whose broken overflow chain was
	// completed from the backup's copy of the same row.
	CompletedFromBackup int `json:"completed_from_backup"`
	// Truncated rows were kept with the readable prefix of a value whose
	// overflow chain broke.
	Truncated     int     `json:"truncated"`
	TruncatedKeys []int64 `json:"truncated_rowids,omitempty"`
	Duplicates    int     `json:"duplicates_dropped"`
	Rejected      int     `json:"rejected"` // rows SQLite refused (constraint), kept in lost_and_found
	// LeavesExpected is the metadata backup's leaf count, LeavesFound
	// how many of those leaves gave rows.
	LeavesExpected int `json:"leaves_expected,omitempty"`
	LeavesFound    int `json:"leaves_found,omitempty"`
	WalkErrors     int `json:"walk_errors"`
}

// LostAndFound is one lost_and_found table: rows of one orphan b-tree that
// no table could claim.
type LostAndFound struct {
	Table     string `json:"table"`
	Rows      int    `json:"rows"`
	Pages     int    `json:"pages"`
	RootGuess uint32 `json:"root_guess"`
	Kind      string `json:"kind"` // "table" or "index" b-tree
}

// Score is the share of pages that should have held rows whose rows were
// recovered. Zero-filled, unreadable and missing pages count against it.
type Score struct {
	RowPagesRecovered uint32  `json:"row_pages_recovered"`
	RowPagesLost      uint32  `json:"row_pages_lost"`
	Percent           float64 `json:"percent"`
}
