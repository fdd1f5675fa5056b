package recover

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// ErrOutputExists is returned when the output exists and Force is not set.
var ErrOutputExists = errors.New("recover: output exists (use Force to replace it)")

// repairer holds one repair's state.
type repairer struct {
	opts      Options
	f         *pagefile.File
	rd        *btree.Reader
	meta      *master.Meta
	plan      *plan
	out       *output
	reached   []bool // by page number: reached by a walk
	lost      map[uint32]*lostTable
	lostOrder []*lostTable
	rep       *Report
	// indexDamaged is set when an index walk met damage: orphaned index
	// pages are then expected, and not kept.
	indexDamaged bool
	walked       int // pages marked reached, for progress
	// crcOwner maps the CRC32C of every leaf the metadata backup lists to
	// its table (nil for an index leaf, or when two tables share a CRC).
	crcOwner map[uint32]*table
}

// Repair salvages the database at input into a new database at
// opts.Output and reports what was saved and lost. The input and its WAL
// are only read. An error means no usable output was produced; a partial
// recovery is not an error (see Report.Status).
func Repair(ctx context.Context, input string, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Output == "" {
		return nil, errors.New("recover: no output path")
	}
	if err := checkOutput(input, opts); err != nil {
		return nil, err
	}
	r := &repairer{opts: opts, lost: map[uint32]*lostTable{}, rep: &Report{Input: input, Output: opts.Output, Backup: opts.Backup != nil}}
	r.loadMeta()
	if err := r.open(input); err != nil {
		return nil, err
	}
	defer r.f.Close()

	tmp, err := tempSibling(opts.Output)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := r.run(ctx, tmp); err != nil {
		return nil, err
	}
	if err := fsutil.SyncFile(tmp); err != nil {
		return nil, err
	}
	if opts.Force {
		_ = os.Remove(opts.Output + "-journal")
		_ = os.Remove(opts.Output + "-wal")
	}
	if err := os.Rename(tmp, opts.Output); err != nil {
		return nil, err
	}
	if err := fsutil.SyncDir(filepath.Dir(opts.Output)); err != nil {
		return nil, err
	}
	r.rep.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	if st, err := os.Stat(input); err == nil && r.rep.ElapsedMS > 0 {
		r.rep.MBPerSecond = float64(st.Size()) / 1e6 / (r.rep.ElapsedMS / 1000)
	}
	return r.rep, nil
}

// run does the repair into the temporary output file.
func (r *repairer) run(ctx context.Context, tmp string) error {
	sb, err := newSandbox(ctx)
	if err != nil {
		return err
	}
	defer sb.close()
	var fileRows []btree.SchemaRow
	if rows, res, err := r.rd.ReadSchema(); err == nil {
		fileRows = rows
		r.markWalk(res)
		r.noteDamage(res.Errors)
	}
	if r.plan, err = buildPlan(ctx, sb, fileRows, r.meta); err != nil {
		return err
	}
	r.rep.RejectedSQL = r.plan.rejected

	av := uint32(0)
	if r.meta != nil {
		av = r.meta.Header.AutoVacuum
	} else if r.f.Header.LargestRootPage != 0 {
		av = 1 + min(r.f.Header.IncrementalVacuum, 1)
	}
	if r.out, err = openOutput(ctx, tmp, r.f.Geometry.PageSize, r.rd.Encoding(), av); err != nil {
		return err
	}
	defer r.out.close()
	for _, t := range r.plan.tables {
		if t.shadow {
			continue
		}
		if err := r.out.create(ctx, t.SQL); err != nil {
			r.rep.RejectedSQL = append(r.rep.RejectedSQL, fmt.Sprintf("table %q: %v", t.Name, err))
			t.info.Name = "" // no rows can go there
		}
	}
	r.indexMetaLeaves()
	for _, t := range r.plan.tables {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.loadTable(ctx, t); err != nil {
			return err
		}
	}
	r.walkIndexes()
	r.readSequences()
	lost, err := r.scanOrphans(ctx)
	if err != nil {
		return err
	}
	if err := r.fillFromBackup(ctx, lost); err != nil {
		return err
	}
	if err := r.out.commit(); err != nil {
		return err
	}
	r.createLater(ctx)
	r.restoreCounters(ctx)
	r.rep.Integrity = integrityCheck(ctx, r.out)
	r.summarise()
	return nil
}

// loadMeta reads the first metadata backup that verifies.
func (r *repairer) loadMeta() {
	for _, p := range r.opts.MetaPaths {
		m, used, err := master.ReadLatest(p)
		if err != nil {
			r.rep.MetaErrors = append(r.rep.MetaErrors, err.Error())
			continue
		}
		r.meta, r.rep.Meta = m, used
		return
	}
	if b := r.opts.Backup; b != nil && b.Meta != nil {
		// The page-level backup carries the metadata of its snapshot.
		r.meta, r.rep.Meta = b.Meta, "(stored with the page-level backup)"
	}
}

// open opens the input read-only with the chosen geometry and its WAL.
func (r *repairer) open(input string) error {
	fh, err := os.Open(input)
	if err != nil {
		return err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return err
	}
	var hdr *pagefile.Header
	if st.Size() >= pagefile.HeaderSize {
		hdr, _ = pagefile.ReadHeader(fh)
	}
	g, from, err := chooseGeometry(fh, st.Size(), hdr, r.meta)
	fh.Close()
	if err != nil {
		return fmt.Errorf("recover: cannot tell the page size of %s: %w", input, err)
	}
	r.f, err = pagefile.Open(input, pagefile.Options{Geometry: &g, WALPath: r.opts.WALPath, NoWAL: r.opts.NoWAL})
	if err != nil {
		return err
	}
	enc, encFrom := chooseEncoding(r.f, r.meta)
	r.rd = btree.NewReader(r.f, r.f.Usable(), enc)
	r.reached = make([]bool, r.f.PageCount()+1)
	geo := &r.rep.Geometry
	geo.PageSize, geo.Reserved, geo.From = g.PageSize, g.Reserved, from
	geo.Encoding, geo.EncFrom = pagefile.EncodingName(enc), encFrom
	if w := r.f.WAL; w != nil {
		r.rep.WAL.Present, r.rep.WAL.CommittedFrames = true, w.Committed
		r.rep.WAL.UncommittedFrames = len(w.Frames) - w.Committed
		if w.Stop != nil {
			r.rep.WAL.Stop = w.Stop.Error()
		}
	}
	if err := r.f.WALError(); err != nil {
		r.rep.WAL.Present, r.rep.WAL.Error = true, err.Error()
	}
	return nil
}

func (r *repairer) inWAL(pgno uint32) bool { return r.f.WAL != nil && r.f.WAL.Has(pgno) }

// markWalk records the pages a walk reached.
func (r *repairer) markWalk(res *btree.WalkResult) {
	if res == nil {
		return
	}
	for _, v := range res.Pages {
		r.mark(v.Pgno)
	}
	for _, p := range res.Overflow {
		r.mark(p)
	}
}

func (r *repairer) mark(pgno uint32) {
	if int(pgno) < len(r.reached) && !r.reached[pgno] {
		r.reached[pgno] = true
		r.walked++
		if r.walked%progressEvery == 0 {
			r.progress("walk", r.walked, len(r.reached)-1)
		}
	}
}

// progressEvery is how many pages pass between progress reports.
const progressEvery = 1024

func (r *repairer) progress(phase string, done, total int) {
	if r.opts.Progress != nil {
		r.opts.Progress(phase, done, total)
	}
}

// noteDamage keeps the first problems met for the report.
func (r *repairer) noteDamage(errs []error) {
	r.rep.DamageCount += len(errs)
	for _, e := range errs {
		if len(r.rep.Damage) < maxListed {
			r.rep.Damage = append(r.rep.Damage, e.Error())
		}
	}
}

// walkIndexes walks index b-trees only to know their pages (indexes are
// rebuilt from the rows, not copied).
func (r *repairer) walkIndexes() {
	for _, root := range r.plan.indexes {
		if int(root) < len(r.reached) && !r.reached[root] {
			res, _ := r.rd.WalkTree(root, btree.WalkOptions{ChainsOnly: true})
			r.markWalk(res)
			r.indexDamaged = r.indexDamaged || len(res.Errors) > 0
		}
	}
}

// readSequences reads the damaged file's sqlite_sequence rows; the larger
// of them and the metadata backup's counter wins.
func (r *repairer) readSequences() {
	root := r.plan.internalSequence
	if root == 0 {
		return
	}
	res, _ := r.rd.Walk(root, func(e *btree.Entry) error {
		vals, err := r.rd.Record(e.Payload)
		if err == nil && len(vals) >= 2 {
			name, _ := vals[0].(string)
			seq, _ := vals[1].(int64)
			if name != "" && seq > r.plan.seqs[name] {
				r.plan.seqs[name] = seq
			}
		}
		return nil
	})
	r.markWalk(res)
}

func checkOutput(input string, opts Options) error {
	// The output (a database, whose -journal and -wal Force removes) may
	// never be a file the repair reads, whatever Force says.
	reads := new(outputs.Files).Database(input).File(opts.WALPath)
	for _, m := range opts.MetaPaths {
		reads.Meta(m)
	}
	if err := outputs.Check(reads, new(outputs.Files).Database(opts.Output)); err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	if _, err := os.Stat(input); err != nil {
		return err
	}
	_, err := os.Stat(opts.Output)
	switch {
	case err == nil && !opts.Force:
		return fmt.Errorf("%w: %s", ErrOutputExists, opts.Output)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	}
	return nil
}

func tempSibling(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	return name, os.Remove(name) // SQLite creates it afresh
}
