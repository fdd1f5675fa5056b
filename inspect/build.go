package inspect

import (
	"errors"
	"os"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Report shapes the inspection into the whole-database document.
func (in *Inspection) Report() *Report {
	c := in.Census
	rep := &Report{
		Path:      in.Path,
		FileSize:  in.Size,
		Geometry:  in.geometryReport(),
		Header:    newHeaderReport(in.File),
		PageKinds: map[string]uint32{},
		Freelist:  newFreelistReport(in.File.Header, c.Freelist),
		Journal:   in.journalReport(),
		WAL:       in.walReport(),
		Schema:    newSchemaReport(c.Schema),
		BTrees:    []BTreeReport{},
	}
	rep.Encryption = in.encryptionReport()
	for i := range c.Pages {
		rep.PageKinds[Kind(c, uint32(i+1))]++
	}
	if c.Missing > 0 {
		rep.PageKinds[KindMissing] = c.Missing
	}
	for _, t := range c.Trees {
		if t.From == census.FromOrphan {
			continue // trees sqlite_master names; orphans are counted by kind
		}
		br := BTreeReport{Type: t.Type, Name: t.Name, TblName: t.TblName, RootPage: in.storedRoot(t)}
		var errs []error
		if t.Err != nil {
			errs = append(errs, t.Err)
		}
		if t.Walk != nil {
			br.Pages, br.OverflowPages, br.Entries = len(t.Walk.Pages), len(t.Walk.Overflow), t.Walk.Entries
			errs = append(errs, t.Walk.Errors...)
		}
		br.ErrorCount, br.Errors = len(errs), problems(errs, maxListedErrors)
		rep.BTrees = append(rep.BTrees, br)
	}
	damage := c.Damage()
	rep.Damage = DamageReport{Count: len(damage), First: problems(damage, maxListedErrors)}
	return rep
}

// storedRoot is the rootpage sqlite_master stores for tree t, which the
// census keeps only when it is a page of the file (Root is 0 otherwise).
func (in *Inspection) storedRoot(t *census.Tree) int64 {
	if t.Root != 0 || t.Index == 0 {
		return int64(t.Root)
	}
	for _, row := range in.Census.Schema {
		if row.Type == t.Type && row.Name == t.Name {
			return row.RootPage
		}
	}
	return 0
}

func (in *Inspection) geometryReport() GeometryReport {
	g := GeometryReport{
		PageSize:             in.Geometry.PageSize,
		ReservedBytes:        in.Geometry.Reserved,
		UsableSize:           in.Geometry.Usable(),
		PageCount:            in.File.PageCount(),
		Source:               in.Geometry.From,
		PartialLastPageBytes: in.File.Main.PartialTail,
		MissingPages:         in.Census.Missing,
		MissingWhy:           in.Census.MissingWhy,
	}
	if in.Geometry.From == census.FromDetection {
		for _, d := range in.Geometry.Detections {
			g.Detections = append(g.Detections, DetectionReport{PageSize: d.PageSize, ReservedBytes: d.Reserved, Sampled: d.Sampled, ValidPages: d.ValidPages})
		}
	}
	return g
}

func newHeaderReport(f *pagefile.File) HeaderReport {
	h := f.Header
	hr := HeaderReport{
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
		Problems:            []Problem{},
	}
	for _, p := range h.Problems {
		hr.Problems = append(hr.Problems, problem(p))
	}
	return hr
}

// newFreelistReport describes the census's freelist: the header's chain,
// or the trunks recognised by their content when the header names none.
func newFreelistReport(h *pagefile.Header, fl *pagefile.Freelist) FreelistReport {
	return FreelistReport{
		HeaderFirstTrunk: h.FirstFreelistTrunk,
		HeaderCount:      h.FreelistCount,
		TrunkCount:       len(fl.Trunks),
		LeafCount:        len(fl.Leaves),
		Trunks:           nonNil(fl.Trunks),
		Leaves:           nonNil(fl.Leaves),
		Problems:         problems(fl.Problems, len(fl.Problems)),
	}
}

func (in *Inspection) walReport() WALReport {
	f := in.File
	wr := WALReport{Path: in.Path + "-wal"}
	if st, err := os.Stat(wr.Path); err == nil {
		wr.Present, wr.Size = true, st.Size()
	}
	if err := f.WALError(); err != nil {
		wr.Error = err.Error()
	}
	wr.Missing = f.WALMissing()
	w := f.WAL
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

func (in *Inspection) journalReport() JournalReport {
	f := in.File
	jr := JournalReport{Path: in.JournalPath, Ignored: in.NoJournal, Problems: []Problem{}}
	if st, err := os.Stat(jr.Path); err == nil {
		jr.Present, jr.Size = true, st.Size()
	}
	jr.NotHotReason = f.JournalNotHot()
	if err := f.JournalError(); err != nil {
		jr.Error = err.Error()
	}
	for _, p := range f.Problems {
		jr.Problems = append(jr.Problems, problem(p))
	}
	j := f.Journal
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

func newSchemaReport(rows []btree.SchemaRow) SchemaReport {
	sr := SchemaReport{Rows: len(rows), Objects: []SchemaObject{}}
	for _, row := range rows {
		o := SchemaObject{Rowid: row.Rowid, Type: row.Type, Name: row.Name, TblName: row.TblName, RootPage: row.RootPage, SQL: row.SQL}
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
func problem(err error) Problem {
	var ce *pagefile.CorruptError
	if errors.As(err, &ce) {
		return Problem{Page: ce.Pgno, Offset: ce.Offset, Reason: ce.Reason, Message: err.Error()}
	}
	return Problem{Reason: err.Error(), Message: err.Error()}
}

// problems reports at most limit of errs, never nil so JSON shows [].
func problems(errs []error, limit int) []Problem {
	out := []Problem{}
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
