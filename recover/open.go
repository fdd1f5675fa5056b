package recover

import (
	"context"
	"errors"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// open opens the input read-only under the geometry policy (the newest
// metadata backup is the hint when the header gives no page size), judges
// the metadata backups against it, and takes the census, walking the
// roots the usable backups know besides sqlite_master's.
func (r *repairer) open(ctx context.Context, input string) error {
	f, geo, err := census.Open(input, r.hint(), pagefile.Options{WALPath: r.opts.WALPath, NoWAL: r.opts.NoWAL,
		JournalPath: r.opts.JournalPath, NoJournal: r.opts.NoJournal, Cipher: r.opts.Cipher})
	if err != nil {
		if errors.Is(err, census.ErrNoGeometry) {
			return fmt.Errorf("recover: cannot tell the page size of %s: %w", input, err)
		}
		return err
	}
	r.f, r.geo = f, geo
	r.stale = map[uint32]bool{}
	if f.WAL != nil {
		for _, p := range f.WAL.StalePages {
			r.stale[p] = true
		}
	}
	r.rd = btree.NewReader(f, f.Usable(), geo.Encoding)
	r.zeroCRC = census.CRC(make([]byte, f.Geometry.PageSize))
	r.judgeMetas(geo)
	hint := r.hint()
	hint.Roots = r.metaRoots()
	progress := func(done, total int) { r.phase(PhaseSurvey, done, total) }
	if r.cen, err = census.Take(ctx, f, r.rd, census.Options{Hint: hint, Progress: progress}); err != nil {
		f.Close()
		return err
	}
	r.describeInputs()
	r.describeEncryption()
	r.judgeCurrent(input)
	return nil
}

// describeInputs fills the report's geometry and WAL sections, and notes
// what about them matters for the verdict.
func (r *repairer) describeInputs() {
	geo := &r.rep.Geometry
	geo.PageSize, geo.Reserved, geo.From = r.geo.PageSize, r.geo.Reserved, r.geo.From
	geo.Encoding, geo.EncFrom = pagefile.EncodingName(r.geo.Encoding), r.geo.EncodingFrom
	if r.geo.From == census.FromDetection {
		r.warn("page size %d detected from the pages: the header gives none that the pages agree with", r.geo.PageSize)
	}
	if r.geo.EncodingFrom == census.FromDetection {
		r.warn("text encoding %s guessed from the stored text", geo.Encoding)
	}
	wal := &r.rep.WAL
	if w := r.f.WAL; w != nil {
		wal.Present, wal.CommittedFrames = true, w.Committed
		wal.UncommittedFrames = len(w.Frames) - w.Committed
		if w.Stop != nil {
			wal.Stop = w.Stop.Error()
		}
	}
	if err := r.f.WALError(); err != nil {
		wal.Present, wal.Error = true, err.Error()
		r.reason(Reason{Code: ReasonWAL, Text: "the WAL exists but cannot be used: " + err.Error()})
	}
	r.describeWAL()
	r.describeJournal()
	for _, p := range r.f.Problems {
		r.warn("%v", p)
	}
}

// describeWAL says what salvage made of a damaged WAL.
func (r *repairer) describeWAL() {
	wal, w := &r.rep.WAL, r.f.WAL
	if r.f.WALMissing() {
		wal.Missing = true
		r.warn("the database is in WAL mode but its -wal file is missing: commits not yet checkpointed into the file may be absent")
	}
	if w == nil {
		return
	}
	wal.Salvaged, wal.LostFrames, wal.StalePages, wal.SaltsRepaired = w.Salvaged, w.LostFrames, w.StalePages, w.SaltsRepaired
	if w.Salvaged != "" {
		r.warn("the WAL header was damaged and rebuilt from the frames: %s", w.Salvaged)
	}
	if w.LostFrames > 0 {
		r.reason(Reason{Code: ReasonWAL, Text: fmt.Sprintf("the first %d WAL frames could not be proven without the WAL header: the pages they held are as the main file has them", w.LostFrames)})
	}
	if w.SaltsRepaired > 0 {
		r.warn("%d WAL frames had damaged salts; their checksums prove them part of the log, so they were used", w.SaltsRepaired)
	}
	for _, f := range w.Skipped {
		wal.SkippedFrames = append(wal.SkippedFrames, f.Index)
	}
	if n := len(w.Skipped); n > 0 {
		r.reason(Reason{Code: ReasonWAL, Pages: len(w.StalePages), Text: fmt.Sprintf("%d damaged WAL frames were stepped over (first: frame %d, page %d); %d pages are therefore as they were before those transactions, and rows on them are flagged", n, w.Skipped[0].Index, w.Skipped[0].Pgno, len(w.StalePages))})
	}
}

// describeJournal says what was rolled back from a hot journal.
func (r *repairer) describeJournal() {
	jr := &r.rep.Journal
	if why := r.f.JournalNotHot(); why != "" {
		jr.Present, jr.NotHot = true, why
	}
	if err := r.f.JournalError(); err != nil {
		jr.Present, jr.Error = true, err.Error()
		r.reason(Reason{Code: ReasonJournal, Text: "the rollback journal exists but cannot be used: " + err.Error() + "; pages the interrupted transaction wrote may hold uncommitted data"})
	}
	j := r.f.Journal
	if j == nil {
		return
	}
	jr.Present, jr.Hot, jr.Records, jr.BadRecords = true, j.Hot, len(j.Records), j.BadRecords
	jr.OriginalSize, jr.Salvaged = j.OriginalSize(), j.Salvaged
	r.warn("a hot rollback journal was rolled back (%d pages): the repair reads the database as it was before the interrupted transaction, as SQLite would", len(j.Records))
	if j.Damaged() {
		first := ""
		if len(j.Problems) > 0 {
			first = ", first: " + j.Problems[0].Error()
		}
		r.reason(Reason{Code: ReasonJournal, Pages: j.BadRecords, Text: fmt.Sprintf("%d records of the rollback journal are damaged%s; their pages may hold what the interrupted transaction wrote", j.BadRecords, first)})
	}
}
