package recover

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/pagefile"
)

// ErrOutputExists is returned when the output exists and Force is not set.
var ErrOutputExists = errors.New("recover: output exists (use Force to replace it)")

// repairer holds one repair's state.
type repairer struct {
	opts  Options
	f     *pagefile.File
	geo   census.Geometry
	rd    *btree.Reader
	cen   *census.Census
	metas []*metaEvidence // usable metadata backups, newest first
	// judged is every metadata backup read, used or refused.
	judged []*metaEvidence
	ev     *evidence
	plan   *plan
	out    *output
	rep    *Report

	lost      map[lostKey]*lostTable
	lostOrder []*lostTable
	// fromBackup marks lost pages whose rows a page-level backup gave.
	fromBackup map[uint32]bool
	zeroCRC    uint32 // the CRC of an all-zero page
	walked     int    // pages walked, for progress
	// alone lists leaves that do not fit the table whose tree reached
	// them, decided once every tree is loaded.
	alone []aloneLeaf
	// current holds the leaves of the newest metadata backup when it was
	// taken at the file's present state (see judgeCurrent), else nil;
	// currentCounts says whether it records cell counts.
	current       map[uint32]currentLeaf
	currentCounts bool
	// suspect counts, for every leaf that differs from a current
	// metadata backup, the rows placed from it.
	suspect map[uint32]int
	// stale marks pages served as they were before a damaged WAL frame
	// that was stepped over: their rows are flagged.
	stale map[uint32]bool
	// carved counts the rows carved from each damaged page;
	// damagedLeaves are walked leaves some of whose cells did not read.
	carved map[uint32]int
	// indexRowids caches listedByIndex's rowids per table.
	indexRowids map[*table]*indexedRowids
	// ranges caches childRanges per tree (Census.Trees index).
	ranges map[int]map[uint32]keyRange
	// carvedChains marks overflow pages read whole for carved cells.
	carvedChains  map[uint32]bool
	damagedLeaves map[uint32]*damagedLeaf
	// deleted holds the tables of deleted rows (Options.Deleted).
	deleted      map[*table]*deletedTable
	deletedNames map[string]bool
	deletedOrder []*deletedTable
	// standIns are the collations named in the schema that only the
	// phone has (see standin.go).
	standIns *standIns
	// standInClean names (lower case) the b-trees ordered by a stand-in
	// whose walk in the damaged file was clean.
	standInClean map[string]bool
	// bulk keeps the rows of the tables whose b-trees are built directly
	// (bulk.go); bulkSeq the AUTOINCREMENT counters their rows raise.
	bulk    *bulkState
	fileIdx *fileIndexes
	bulkSeq []bulkSeq
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
	if opts.EncryptOutput && opts.Cipher == nil {
		return nil, errors.New("recover: an encrypted output needs the input's cipher")
	}
	if err := checkOutput(input, opts); err != nil {
		return nil, err
	}
	r := &repairer{opts: opts, lost: map[lostKey]*lostTable{}, fromBackup: map[uint32]bool{}, suspect: map[uint32]int{},
		carved: map[uint32]int{}, carvedChains: map[uint32]bool{}, damagedLeaves: map[uint32]*damagedLeaf{},
		deleted: map[*table]*deletedTable{}, deletedNames: map[string]bool{},
		rep: &Report{Input: input, Output: opts.Output, Backup: opts.Backup != nil}}
	r.loadMetas()
	if err := r.open(ctx, input); err != nil {
		return nil, err
	}
	defer r.f.Close()
	defer r.boundHeap()()

	tmp, err := tempSibling(opts.Output)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := r.run(ctx, tmp); err != nil {
		var bf *bulkError
		if errors.As(err, &bf) && !opts.NoBulk && ctx.Err() == nil {
			return repairAgain(ctx, input, opts, bf)
		}
		return nil, err
	}
	if opts.EncryptOutput {
		if tmp, err = r.encryptOutput(tmp); err != nil {
			return nil, err
		}
		defer os.Remove(tmp)
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
	if opts.PageMap != nil {
		opts.PageMap(r.pageMap())
	}
	return r.rep, nil
}

// run does the repair into the temporary output file: plan the schema,
// create the tables, load the rows of every named tree, then of every
// orphan tree, then of lost pages from a backup; create indexes, views
// and triggers; restore counters; check; account.
func (r *repairer) run(ctx context.Context, tmp string) error {
	carved := r.carvedSchema()
	r.standIns = newStandIns(r.schemaTexts(carved))
	defer r.standIns.release()
	sb, err := newSandbox(ctx, r.standIns.driver)
	if err != nil {
		return err
	}
	defer sb.close()
	if r.plan, err = buildPlan(ctx, sb, r.cen.Schema, r.metas, carved, r.orphanRoots(), r.recordWidth); err != nil {
		return err
	}
	r.inferTables(ctx, sb, append(slices.Clone(r.cen.Schema), carved...))
	if err := r.plan.describe(ctx, sb, r.metas); err != nil {
		return err
	}
	r.rep.RejectedSQL = r.plan.rejected
	r.rankStandIns(r.standInTrees())
	for _, n := range r.plan.notes {
		r.warn("%s", n)
	}

	av := uint32(0)
	if h := r.f.Header; h != nil && h.Magic == pagefile.Magic && h.Valid() {
		if h.LargestRootPage != 0 {
			av = 1 + min(h.IncrementalVacuum, 1)
		}
	} else if len(r.metas) > 0 {
		av = r.metas[0].m.Header.AutoVacuum
	}
	if err := r.prepareEncryptedOutput(tmp, r.geo.Encoding, av); err != nil {
		return err
	}
	if r.out, err = openOutput(ctx, r.standIns.driver, tmp, r.f.Geometry.PageSize, r.geo.Encoding, av); err != nil {
		return err
	}
	defer func() { // finishBulk closes and reopens it
		if r.out != nil {
			r.out.close()
		}
	}()
	for _, t := range r.plan.tables {
		t.created = t.shadow
		if t.shadow || t.schemaRow {
			continue
		}
		if err := r.out.create(ctx, t.SQL); err != nil {
			r.rep.RejectedSQL = append(r.rep.RejectedSQL, fmt.Sprintf("table %q: %v", t.Name, err))
			continue
		}
		t.created = true
	}
	if err := r.planBulk(ctx, sb, av); err != nil {
		return err
	}
	defer func() { r.bulk.close() }()
	r.gatherEvidence()
	r.fileIdx = r.readFileIndexes(ctx)
	defer r.fileIdx.wait()
	if err := r.loadNamed(ctx); err != nil {
		return err
	}
	r.readSequences()
	if err := r.salvageLost(ctx); err != nil {
		return err
	}
	if err := r.carveWalked(ctx); err != nil {
		return err
	}
	r.markIncomplete()
	if err := r.loadAlone(ctx); err != nil {
		return err
	}
	if err := r.loadOrphans(ctx); err != nil {
		return err
	}
	r.phase(PhaseRows, len(r.cen.Pages), len(r.cen.Pages))
	r.phase(PhaseBackup, 0, 0)
	if err := r.fillFromBackup(ctx); err != nil {
		return err
	}
	if err := r.reclaim(ctx); err != nil {
		return err
	}
	if err := r.undelete(ctx); err != nil {
		return err
	}
	if err := r.out.commit(); err != nil {
		return err
	}
	if err := r.finishBulk(ctx, tmp); err != nil {
		return err
	}
	// The builder wrote nearly all of the output: it goes to the disk
	// while the rest is done and checked, so that the final sync (in
	// Repair) has little left to wait for. Its error is that sync's.
	synced := make(chan struct{})
	go func() { _ = fsutil.SyncFile(tmp); close(synced) }()
	defer func() { <-synced }()
	if err := r.writeSchemaRows(ctx); err != nil {
		return err
	}
	r.checkFTS5(ctx)
	r.createLater(ctx)
	if err := r.standInCheck(ctx, tmp); err != nil {
		return err
	}
	r.restoreCounters(ctx)
	r.phase(PhaseCheck, 0, 0)
	// The cross-check reads the output's indexes with the project's own
	// reader while SQLite checks the file: neither writes, and each has a
	// core.
	crossChecked := make(chan error, 1)
	go func() { crossChecked <- r.crossCheck(ctx, tmp, r.fileIdx) }()
	r.rep.Integrity = "not checked"
	if !r.opts.SkipIntegrityCheck {
		r.rep.Integrity = integrityCheck(ctx, r.out)
	}
	r.phase(PhaseCheck, 1, 1)
	if err := <-crossChecked; err != nil {
		return err
	}
	r.summarise()
	return nil
}

// schemaTexts is every CREATE text the plan may try: the file's schema
// rows, the metadata backups', the carved ones.
func (r *repairer) schemaTexts(carved []btree.SchemaRow) []string {
	var out []string
	for _, row := range append(slices.Clone(r.cen.Schema), carved...) {
		out = append(out, row.SQL)
	}
	for _, e := range r.metas {
		for _, row := range e.m.Schema {
			out = append(out, row.SQL)
		}
	}
	return out
}

// phase reports progress in a phase counted in units other than pages.
func (r *repairer) phase(name string, done, total int) {
	if r.opts.Progress != nil {
		r.opts.Progress(name, done, total)
	}
}

func checkOutput(input string, opts Options) error {
	// The output (a database, whose -journal and -wal Force removes) may
	// never be a file the repair reads, whatever Force says.
	reads := new(outputs.Files).Database(input).File(opts.WALPath).File(opts.JournalPath)
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
	f, err := fsutil.CreateTemp(path)
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	return name, os.Remove(name) // SQLite creates it afresh
}
