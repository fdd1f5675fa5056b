package backup

import (
	"context"
	"os"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// A target is where a run puts the snapshot it reads: the backup file
// (fileTarget) or a new version in a store (storeTarget). The run owns the
// reading: the source, the read transaction, the pace, the page CRCs and
// the check against the metadata capture (fromSnapshot, viaAPI). The
// target says what it needs of the pages (plan) and makes the result
// durable (commit).
type target interface {
	// plan is called inside the read transaction once the snapshot's
	// geometry and where its pages can be read fast (how, a
	// master.ReadFrom* value) are known.
	plan(g pagefile.Geometry, how string, o *Options) (plan, error)
	// tempFile creates the empty file a full copy of the snapshot goes
	// to; the run removes it.
	tempFile() (*os.File, error)
	// commit makes next, the checked manifest of the snapshot, durable.
	// copyPath is the full copy of the snapshot when the run made one,
	// else ""; pages serves the snapshot's pages when the plan kept the
	// read transaction open for it (plan.pagesInCommit), else nil.
	commit(ctx context.Context, next *Manifest, pages pagefile.Source, copyPath string, o *Options, res *Result) error
}

// plan is what a target needs of a pass over the snapshot.
type plan struct {
	// copyFile: the snapshot is copied to a file (tempFile) in the pass,
	// and commit gets it.
	copyFile bool
	// viaAPI: the copy is made with SQLite's online backup API instead of
	// from the files.
	viaAPI bool
	// sink receives the pages of the pass over the snapshot (or over the
	// backup API's copy); nil when the pass only hashes or copies.
	sink pageSink
	// pagesInCommit: commit reads the snapshot's pages, so the read
	// transaction stays open until it returns.
	pagesInCommit bool
	// captureFirst: the metadata capture runs before the pass rather than
	// alongside it, so that peak memory is the larger of the two, not
	// their sum (the capture surveys every page; see storeTarget).
	captureFirst bool
}

// fileTarget is a backup file (Run): a first backup or a full copy goes
// to a temporary file that takes dst's place or is written into it page
// by page; an update hashes the snapshot and patches dst with the pages
// whose CRC changed, under the undo journal.
type fileTarget struct {
	dst      string
	old      *Manifest // the valid backup at dst, or nil
	oldBytes []byte
}

func (t *fileTarget) plan(g pagefile.Geometry, how string, o *Options) (plan, error) {
	if t.update(g, o) {
		return plan{pagesInCommit: true}, nil
	}
	return plan{copyFile: true, viaAPI: o.BackupAPI || how == master.ReadFromDBPage}, nil
}

// update reports whether an update of the backup in place is possible:
// there is one, of the same page size, and no full copy was asked for.
func (t *fileTarget) update(g pagefile.Geometry, o *Options) bool {
	return t.old != nil && !o.Full && t.old.PageSize == g.PageSize
}

func (t *fileTarget) tempFile() (*os.File, error) { return createTemp(t.dst) }

func (t *fileTarget) commit(_ context.Context, next *Manifest, pages pagefile.Source, copyPath string, o *Options, res *Result) error {
	if copyPath != "" {
		return install(copyPath, t.dst, t.old, t.oldBytes, next, o, res)
	}
	return updateInto(t.dst, t.oldBytes, t.old, pages, next, o, res)
}
