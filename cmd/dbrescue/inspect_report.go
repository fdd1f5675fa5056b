package main

import (
	"errors"
	"os"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// The JSON documents `inspect --json` writes are defined by the structs
// below and in inspect_page.go. Contract: field names are snake_case and
// are only ever added, never renamed, removed or given a new meaning, so a
// script written against one release keeps working with the next.

// maxListedErrors bounds the error lists in a report: the count is always
// exact, but a shredded file can have thousands of errors and the first few
// say where to look.
const maxListedErrors = 10

// inspectReport is the document for a whole database.
type inspectReport struct {
	Path      string            `json:"path"`
	FileSize  int64             `json:"file_size"`
	Geometry  geometryReport    `json:"geometry"`
	Header    headerReport      `json:"header"`
	PageKinds map[string]uint32 `json:"page_kinds"` // kind → number of pages
	Freelist  freelistReport    `json:"freelist"`
	Journal   journalReport     `json:"journal"`
	WAL       walReport         `json:"wal"`
	Schema    schemaReport      `json:"schema"`
	BTrees    []btreeReport     `json:"btrees"`
	Damage    damageReport      `json:"damage"`
}

// geometryReport is how pages are read: size, reserve, count, and whether
// the size came from the header or was detected.
type geometryReport struct {
	PageSize      int    `json:"page_size"`
	ReservedBytes int    `json:"reserved_bytes"`
	UsableSize    int    `json:"usable_size"`
	PageCount     uint32 `json:"page_count"`
	Source        string `json:"source"` // "header" or "detected"
	// PartialLastPageBytes is how many bytes of the main file's last page
	// exist when the file ends mid-page (a truncated copy); 0 otherwise.
	PartialLastPageBytes int               `json:"partial_last_page_bytes"`
	Detections           []detectionReport `json:"detections,omitempty"`
}

// detectionReport is what geometry detection saw at one page size.
type detectionReport struct {
	PageSize      int `json:"page_size"`
	ReservedBytes int `json:"reserved_bytes"`
	Sampled       int `json:"sampled"`
	ValidPages    int `json:"valid_pages"`
}

// headerReport is every field of the 100-byte header as stored, whether or
// not it is plausible, and the problems found in it.
type headerReport struct {
	FromWAL             bool            `json:"from_wal"`     // page 1 was read from the WAL
	FromJournal         bool            `json:"from_journal"` // page 1 was read from the hot journal (rolled back)
	Magic               string          `json:"magic"`
	PageSize            int             `json:"page_size"` // 0: the stored value is not a valid size
	WriteVersion        int             `json:"write_version"`
	ReadVersion         int             `json:"read_version"`
	ReservedBytes       int             `json:"reserved_bytes"`
	MaxPayloadFraction  int             `json:"max_payload_fraction"`
	MinPayloadFraction  int             `json:"min_payload_fraction"`
	LeafPayloadFraction int             `json:"leaf_payload_fraction"`
	FileChangeCounter   uint32          `json:"file_change_counter"`
	DatabaseSize        uint32          `json:"database_size"`
	DatabaseSizeTrusted bool            `json:"database_size_trusted"`
	FirstFreelistTrunk  uint32          `json:"first_freelist_trunk"`
	FreelistCount       uint32          `json:"freelist_count"`
	SchemaCookie        uint32          `json:"schema_cookie"`
	SchemaFormat        uint32          `json:"schema_format"`
	DefaultCacheSize    uint32          `json:"default_cache_size"`
	LargestRootPage     uint32          `json:"largest_root_page"`
	AutoVacuum          string          `json:"auto_vacuum"`
	TextEncoding        uint32          `json:"text_encoding"`
	TextEncodingName    string          `json:"text_encoding_name"`
	UserVersion         uint32          `json:"user_version"`
	IncrementalVacuum   uint32          `json:"incremental_vacuum"`
	ApplicationID       uint32          `json:"application_id"`
	VersionValidFor     uint32          `json:"version_valid_for"`
	SQLiteVersion       uint32          `json:"sqlite_version"`
	Problems            []problemReport `json:"problems"`
}

// problemReport is one piece of damage. Page is 0 when the damage is not in
// a page (the header, the WAL header); Offset is then a file offset.
type problemReport struct {
	Page    uint32 `json:"page"`
	Offset  int64  `json:"offset"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// freelistReport is the freelist as the chain of trunks describes it,
// against what the header claims.
type freelistReport struct {
	HeaderFirstTrunk uint32          `json:"header_first_trunk"`
	HeaderCount      uint32          `json:"header_count"`
	TrunkCount       int             `json:"trunk_count"`
	LeafCount        int             `json:"leaf_count"`
	Trunks           []uint32        `json:"trunks"`
	Leaves           []uint32        `json:"leaves"`
	Problems         []problemReport `json:"problems"`
}

// walReport describes the write-ahead log next to the database.
type walReport struct {
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

// journalReport describes the rollback journal next to the database.
type journalReport struct {
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
	Problems []problemReport `json:"problems"`
}

// schemaReport is sqlite_master as read from page 1's tree.
type schemaReport struct {
	Readable bool           `json:"readable"` // at least one row decoded
	Rows     int            `json:"rows"`
	Objects  []schemaObject `json:"objects"`
}

// schemaObject is one row of sqlite_master.
type schemaObject struct {
	Rowid    int64  `json:"rowid"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	TblName  string `json:"tbl_name"`
	RootPage int64  `json:"rootpage"`
	SQL      string `json:"sql"`
	Error    string `json:"error,omitempty"`
}

// btreeReport is one b-tree walked from its root.
type btreeReport struct {
	Type          string          `json:"type"`
	Name          string          `json:"name"`
	TblName       string          `json:"tbl_name"`
	RootPage      int64           `json:"rootpage"`
	Pages         int             `json:"pages"`          // b-tree pages reached
	OverflowPages int             `json:"overflow_pages"` // overflow pages followed
	Entries       int             `json:"entries"`
	ErrorCount    int             `json:"error_count"`
	Errors        []problemReport `json:"errors"` // the first few
}

// damageReport gathers the damage met during the walks, and pages claimed
// by two owners.
type damageReport struct {
	Count int             `json:"count"`
	First []problemReport `json:"first"`
}

// buildReport shapes an inspection into the whole-database document.
func buildReport(in *inspection) *inspectReport {
	f := in.db.File
	rep := &inspectReport{
		Path:      in.db.Path,
		FileSize:  in.db.Size,
		Geometry:  newGeometryReport(in.db),
		Header:    newHeaderReport(f),
		PageKinds: map[string]uint32{},
		Freelist:  newFreelistReport(f.Header, in.freelist),
		Journal:   newJournalReport(in.db),
		WAL:       newWALReport(in.db),
		Schema:    newSchemaReport(in.schema),
		BTrees:    []btreeReport{},
	}
	for _, c := range in.pages {
		rep.PageKinds[string(c.Kind)]++
	}
	var damage []error
	for _, t := range in.trees {
		br := btreeReport{Type: t.Type, Name: t.Name, TblName: t.TblName, RootPage: t.Root}
		errs := treeErrors(t)
		if t.Result != nil {
			br.Pages, br.OverflowPages, br.Entries = len(t.Result.Pages), len(t.Result.Overflow), t.Result.Entries
		}
		br.ErrorCount, br.Errors = len(errs), problems(errs, maxListedErrors)
		rep.BTrees = append(rep.BTrees, br)
		damage = append(damage, errs...)
	}
	damage = append(damage, in.conflicts...)
	rep.Damage = damageReport{Count: len(damage), First: problems(damage, maxListedErrors)}
	return rep
}

func treeErrors(t treeWalk) []error {
	var errs []error
	if t.Err != nil {
		errs = append(errs, t.Err)
	}
	if t.Result != nil {
		errs = append(errs, t.Result.Errors...)
	}
	return errs
}

func newGeometryReport(db *openedDB) geometryReport {
	g := geometryReport{
		PageSize:      db.Geometry.PageSize,
		ReservedBytes: db.Geometry.Reserved,
		UsableSize:    db.Geometry.Usable(),
		PageCount:     db.PageCount(),
		Source:        db.GeometrySource,
	}
	g.PartialLastPageBytes = db.Main.PartialTail
	for _, d := range db.Detections {
		g.Detections = append(g.Detections, detectionReport{PageSize: d.PageSize, ReservedBytes: d.Reserved, Sampled: d.Sampled, ValidPages: d.ValidPages})
	}
	return g
}

func newHeaderReport(f *pagefile.File) headerReport {
	h := f.Header
	hr := headerReport{
		FromWAL:             f.HeaderFrom == pagefile.HeaderFromWAL,
		FromJournal:         f.HeaderFrom == pagefile.HeaderFromJournal,
		Magic:               h.Magic,
		PageSize:            h.PageSize,
		WriteVersion:        int(h.WriteVersion),
		ReadVersion:         int(h.ReadVersion),
		ReservedBytes:       h.ReservedBytes,
		MaxPayloadFraction:  int(h.MaxPayloadFraction),
		MinPayloadFraction:  int(h.MinPayloadFraction),
		LeafPayloadFraction: int(h.LeafPayloadFraction),
		FileChangeCounter:   h.FileChangeCounter,
		DatabaseSize:        h.DatabaseSize,
		DatabaseSizeTrusted: h.DatabaseSizeTrusted(),
		FirstFreelistTrunk:  h.FirstFreelistTrunk,
		FreelistCount:       h.FreelistCount,
		SchemaCookie:        h.SchemaCookie,
		SchemaFormat:        h.SchemaFormat,
		DefaultCacheSize:    h.DefaultCacheSize,
		LargestRootPage:     h.LargestRootPage,
		AutoVacuum:          h.AutoVacuum(),
		TextEncoding:        h.TextEncoding,
		TextEncodingName:    pagefile.EncodingName(h.TextEncoding),
		UserVersion:         h.UserVersion,
		IncrementalVacuum:   h.IncrementalVacuum,
		ApplicationID:       h.ApplicationID,
		VersionValidFor:     h.VersionValidFor,
		SQLiteVersion:       h.SQLiteVersion,
		Problems:            []problemReport{},
	}
	for _, p := range h.Problems {
		hr.Problems = append(hr.Problems, problem(p))
	}
	return hr
}

func newFreelistReport(h *pagefile.Header, fl *pagefile.Freelist) freelistReport {
	return freelistReport{
		HeaderFirstTrunk: h.FirstFreelistTrunk,
		HeaderCount:      h.FreelistCount,
		TrunkCount:       len(fl.Trunks),
		LeafCount:        len(fl.Leaves),
		Trunks:           nonNil(fl.Trunks),
		Leaves:           nonNil(fl.Leaves),
		Problems:         problems(fl.Problems, len(fl.Problems)),
	}
}

func newWALReport(db *openedDB) walReport {
	wr := walReport{Path: db.Path + "-wal"}
	if st, err := os.Stat(wr.Path); err == nil {
		wr.Present, wr.Size = true, st.Size()
	}
	if err := db.WALError(); err != nil {
		wr.Error = err.Error()
	}
	wr.Missing = db.WALMissing()
	w := db.WAL
	if w == nil {
		return wr
	}
	wr.Overlaid = true
	wr.Salvaged, wr.FramesLost = w.Salvaged, w.LostFrames
	wr.PageSize = w.PageSize()
	wr.ChecksumByteOrder = "little-endian"
	if w.Header.BigEndianChecksum() {
		wr.ChecksumByteOrder = "big-endian"
	}
	wr.CheckpointSeq = w.Header.CheckpointSeq
	wr.Salt1, wr.Salt2 = w.Header.Salt1, w.Header.Salt2
	wr.FramesVerified = len(w.Frames)
	wr.CommitFrames = len(w.Commits)
	wr.CommittedFrames = w.Committed
	wr.UncommittedTailFrames = len(w.Frames) - w.Committed
	wr.DatabaseSizeAfterCommit = w.DatabaseSize
	if w.Stop != nil {
		wr.StopReason = w.Stop.Error()
	}
	// Count distinct pages from the committed frames rather than probing
	// every page number up to DatabaseSize, which a hostile commit frame can
	// set to four billion.
	served := map[uint32]bool{}
	for _, fr := range w.Frames[:w.Committed] {
		if fr.Pgno <= w.DatabaseSize {
			served[fr.Pgno] = true
		}
	}
	wr.PagesServedFromWAL = len(served)
	return wr
}

func newJournalReport(db *openedDB) journalReport {
	jr := journalReport{Path: db.JournalPath, Ignored: db.NoJournal, Problems: []problemReport{}}
	if st, err := os.Stat(jr.Path); err == nil {
		jr.Present, jr.Size = true, st.Size()
	}
	jr.NotHotReason = db.JournalNotHot()
	if err := db.JournalError(); err != nil {
		jr.Error = err.Error()
	}
	for _, p := range db.Problems {
		jr.Problems = append(jr.Problems, problem(p))
	}
	j := db.Journal
	if j == nil {
		return jr
	}
	jr.Hot = true
	jr.PageSize, jr.SectorSize, jr.OriginalSize = j.PageSize(), j.SectorSize(), j.OriginalSize()
	jr.Segments, jr.RecordsUsed, jr.RecordsBad = len(j.Segments), len(j.Records), j.BadRecords
	jr.RecordsBeyond, jr.Duplicates = j.Beyond, j.Duplicates
	jr.SuperJournal, jr.Salvaged = j.SuperJournal, j.Salvaged
	if j.Stop != nil {
		// Where a journal ends is no damage: the reason alone, without
		// "corrupt at offset".
		jr.StopReason = problem(j.Stop).Reason
	}
	for _, p := range j.Problems {
		jr.Problems = append(jr.Problems, problem(p))
	}
	return jr
}

func newSchemaReport(rows []btree.SchemaRow) schemaReport {
	sr := schemaReport{Rows: len(rows), Objects: []schemaObject{}}
	for _, row := range rows {
		o := schemaObject{Rowid: row.Rowid, Type: row.Type, Name: row.Name, TblName: row.TblName, RootPage: row.RootPage, SQL: row.SQL}
		if row.Err != nil {
			o.Error = row.Err.Error()
		} else {
			sr.Readable = true
		}
		sr.Objects = append(sr.Objects, o)
	}
	return sr
}

// problem turns an error into its report, keeping page and offset when the
// error is a *pagefile.CorruptError.
func problem(err error) problemReport {
	var ce *pagefile.CorruptError
	if errors.As(err, &ce) {
		return problemReport{Page: ce.Pgno, Offset: ce.Offset, Reason: ce.Reason, Message: err.Error()}
	}
	return problemReport{Reason: err.Error(), Message: err.Error()}
}

// problems reports at most limit of errs, never nil so JSON shows [].
func problems(errs []error, limit int) []problemReport {
	out := []problemReport{}
	for _, err := range errs[:min(limit, len(errs))] {
		out = append(out, problem(err))
	}
	return out
}

func nonNil(s []uint32) []uint32 {
	if s == nil {
		return []uint32{}
	}
	return s
}
