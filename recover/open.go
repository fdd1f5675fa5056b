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
		JournalPath: r.opts.JournalPath, NoJournal: r.opts.NoJournal})
	if err != nil {
		if errors.Is(err, census.ErrNoGeometry) {
			return fmt.Errorf("recover: cannot tell the page size of %s: %w", input, err)
		}
		return err
	}
	r.f, r.geo = f, geo
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
}
