package inspect

// The JSON documents `inspect --json` writes are defined by the structs
// below and in page.go. Contract: field names are snake_case and are only
// ever added, never renamed, removed or given a new meaning, so a script
// written against one release keeps working with the next.

// maxListedErrors bounds the error lists in a report: the count is always
// exact, but a shredded file can have thousands of errors and the first few
// say where to look.
const maxListedErrors = 10

// Report is the document for a whole database.
type Report struct {
	Path     string         `json:"path"`
	FileSize int64          `json:"file_size"`
	Geometry GeometryReport `json:"geometry"`
	Header   HeaderReport   `json:"header"`
	// PageKinds counts pages by kind (see Kind): the file's pages, and
	// KindMissing for pages missing beyond its end.
	PageKinds map[string]uint32 `json:"page_kinds"`
	Freelist  FreelistReport    `json:"freelist"`
	Journal   JournalReport     `json:"journal"`
	WAL       WALReport         `json:"wal"`
	Schema    SchemaReport      `json:"schema"`
	BTrees    []BTreeReport     `json:"btrees"`
	Damage    DamageReport      `json:"damage"`

	// Encryption is how an encrypted database was read; absent for a
	// plain one.
	Encryption *EncryptionReport `json:"encryption,omitempty"`
}

// GeometryReport is how pages are read: size, reserve, count, and whether
// the size came from the header or was detected (census.Open's policy: the
// header's size only when the pages agree with it).
type GeometryReport struct {
	PageSize      int    `json:"page_size"`
	ReservedBytes int    `json:"reserved_bytes"`
	UsableSize    int    `json:"usable_size"`
	PageCount     uint32 `json:"page_count"`
	Source        string `json:"source"` // "header" or "detected"
	// PartialLastPageBytes is how many bytes of the main file's last page
	// exist when the file ends mid-page (a truncated copy); 0 otherwise.
	PartialLastPageBytes int `json:"partial_last_page_bytes"`
	// Detections is what detection saw at every page size, when the size
	// was detected.
	Detections []DetectionReport `json:"detections,omitempty"`
	// MissingPages counts the pages the database should hold beyond the
	// end of the file (a truncated file), and MissingWhy says how that
	// is known; 0 and empty when none is missing.
	MissingPages uint32 `json:"missing_pages"`
	MissingWhy   string `json:"missing_why,omitempty"`
}

// DetectionReport is what geometry detection saw at one page size.
type DetectionReport struct {
	PageSize      int `json:"page_size"`
	ReservedBytes int `json:"reserved_bytes"`
	Sampled       int `json:"sampled"`
	ValidPages    int `json:"valid_pages"`
}

// HeaderReport is every field of the 100-byte header as stored, whether or
// not it is plausible, and the problems found in it.
type HeaderReport struct {
	FromWAL             bool      `json:"from_wal"`     // page 1 was read from the WAL
	FromJournal         bool      `json:"from_journal"` // page 1 was read from the hot journal (rolled back)
	Magic               string    `json:"magic"`
	PageSize            int       `json:"page_size"` // 0: the stored value is not a valid size
	WriteVersion        int       `json:"write_version"`
	ReadVersion         int       `json:"read_version"`
	ReservedBytes       int       `json:"reserved_bytes"`
	MaxPayloadFraction  int       `json:"max_payload_fraction"`
	MinPayloadFraction  int       `json:"min_payload_fraction"`
	LeafPayloadFraction int       `json:"leaf_payload_fraction"`
	FileChangeCounter   uint32    `json:"file_change_counter"`
	DatabaseSize        uint32    `json:"database_size"`
	DatabaseSizeTrusted bool      `json:"database_size_trusted"`
	FirstFreelistTrunk  uint32    `json:"first_freelist_trunk"`
	FreelistCount       uint32    `json:"freelist_count"`
	SchemaCookie        uint32    `json:"schema_cookie"`
	SchemaFormat        uint32    `json:"schema_format"`
	DefaultCacheSize    uint32    `json:"default_cache_size"`
	LargestRootPage     uint32    `json:"largest_root_page"`
	AutoVacuum          string    `json:"auto_vacuum"`
	TextEncoding        uint32    `json:"text_encoding"`
	TextEncodingName    string    `json:"text_encoding_name"`
	UserVersion         uint32    `json:"user_version"`
	IncrementalVacuum   uint32    `json:"incremental_vacuum"`
	ApplicationID       uint32    `json:"application_id"`
	VersionValidFor     uint32    `json:"version_valid_for"`
	SQLiteVersion       uint32    `json:"sqlite_version"`
	Problems            []Problem `json:"problems"`
}

// Problem is one piece of damage. Page is 0 when the damage is not in
// a page (the header, the WAL header); Offset is then a file offset.
type Problem struct {
	Page    uint32 `json:"page"`
	Offset  int64  `json:"offset"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// FreelistReport is the freelist as the chain of trunks describes it,
// against what the header claims.
type FreelistReport struct {
	HeaderFirstTrunk uint32    `json:"header_first_trunk"`
	HeaderCount      uint32    `json:"header_count"`
	TrunkCount       int       `json:"trunk_count"`
	LeafCount        int       `json:"leaf_count"`
	Trunks           []uint32  `json:"trunks"`
	Leaves           []uint32  `json:"leaves"`
	Problems         []Problem `json:"problems"`
}

// WALReport describes the write-ahead log next to the database.
type WALReport struct {
	Present bool   `json:"present"`
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	// Overlaid is true when committed frames are read in place of the main
	// file's pages; Error says why a present WAL is not.
	Overlaid                bool   `json:"overlaid"`
	Error                   string `json:"error,omitempty"`
	PageSize                int    `json:"page_size"`
	ChecksumByteOrder       string `json:"checksum_byte_order"` // "big-endian" or "little-endian"
	CheckpointSeq           uint32 `json:"checkpoint_seq"`
	Salt1                   uint32 `json:"salt1"`
	Salt2                   uint32 `json:"salt2"`
	FramesVerified          int    `json:"frames_verified"`
	CommitFrames            int    `json:"commit_frames"`
	CommittedFrames         int    `json:"committed_frames"`
	UncommittedTailFrames   int    `json:"uncommitted_tail_frames"`
	DatabaseSizeAfterCommit uint32 `json:"db_size_after_last_commit"`
	StopReason              string `json:"stop_reason"` // empty when every frame to the end verified
	PagesServedFromWAL      int    `json:"pages_served_from_wal"`
	// Salvaged says how the frames were proven when the WAL header could
	// not be used; FramesLost counts frames at the start left out then.
	Salvaged   string `json:"salvaged,omitempty"`
	FramesLost int    `json:"frames_lost"`
	// Missing is true when the header says WAL mode and there is no WAL:
	// commits not yet checkpointed, if there were any, are not in the file.
	Missing bool `json:"missing"`
}

// JournalReport describes the rollback journal next to the database.
type JournalReport struct {
	Present bool   `json:"present"`
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	// Hot is true when the journal is rolled back: its pages, the content
	// before the interrupted transaction, are read in place of the main
	// file's. NotHotReason says why a present journal needs no rollback;
	// Error why one cannot be rolled back.
	Hot           bool   `json:"hot"`
	Ignored       bool   `json:"ignored"` // --no-journal
	NotHotReason  string `json:"not_hot_reason,omitempty"`
	Error         string `json:"error,omitempty"`
	PageSize      int    `json:"page_size"`
	SectorSize    int    `json:"sector_size"`
	OriginalSize  uint32 `json:"original_size"` // pages in the database before the transaction
	Segments      int    `json:"segments"`
	RecordsUsed   int    `json:"records_used"`
	RecordsBad    int    `json:"records_bad"`
	RecordsBeyond int    `json:"records_beyond_original_size"`
	Duplicates    int    `json:"duplicate_records"`
	SuperJournal  string `json:"super_journal,omitempty"`
	Salvaged      string `json:"salvaged,omitempty"`
	StopReason    string `json:"stop_reason,omitempty"`
	// Problems lists the first bad records and damaged fields, and what
	// putting the files together met (a journal beside a WAL).
	Problems []Problem `json:"problems"`
}

// SchemaReport is sqlite_master as read from page 1's tree.
type SchemaReport struct {
	Readable bool           `json:"readable"` // at least one row decoded
	Rows     int            `json:"rows"`
	Objects  []SchemaObject `json:"objects"`
}

// SchemaObject is one row of sqlite_master.
type SchemaObject struct {
	Rowid    int64  `json:"rowid"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	TblName  string `json:"tbl_name"`
	RootPage int64  `json:"rootpage"`
	SQL      string `json:"sql"`
	Error    string `json:"error,omitempty"`
}

// BTreeReport is one b-tree walked from its root.
type BTreeReport struct {
	Type          string    `json:"type"`
	Name          string    `json:"name"`
	TblName       string    `json:"tbl_name"`
	RootPage      int64     `json:"rootpage"`
	Pages         int       `json:"pages"`          // b-tree pages reached
	OverflowPages int       `json:"overflow_pages"` // overflow pages followed
	Entries       int       `json:"entries"`
	ErrorCount    int       `json:"error_count"`
	Errors        []Problem `json:"errors"` // the first few
}

// DamageReport gathers the damage the census met (census.Damage): pages
// missing beyond the end of the file, the damage met walking the b-trees,
// and pages claimed by two owners.
type DamageReport struct {
	Count int       `json:"count"`
	First []Problem `json:"first"`
}

// BTree returns the report of the b-tree named name (sqlite_master's
// name, as stored), and whether there is one.
func (r *Report) BTree(name string) (BTreeReport, bool) {
	for _, b := range r.BTrees {
		if b.Name == name {
			return b, true
		}
	}
	return BTreeReport{}, false
}
