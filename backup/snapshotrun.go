package backup

import (
	"context"
	"fmt"
	"os"

	"github.com/dbrescue/dbrescue/dbpage"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// fromSnapshot takes a WAL-mode backup inside the read transaction s has
// open. The snapshot's pages are read from the database file and WAL once
// they are proven equal to what SQLite serves in that transaction
// (master.SnapshotSource) in one pass (scan) that hashes them and feeds
// the target: a copy to a temporary file for a full backup, nothing for
// an update (which then writes the pages whose CRC changed, the way
// sqlite3_rsync does), the segments of a store's new version. Meanwhile
// another goroutine captures the metadata backup through SQLite from the
// same transaction; the two meet at checkCopy, which requires every leaf
// CRC the capture recorded to be the CRC of the page read.
//
// When the files cannot be matched to the snapshot, pages are read
// through sqlite_dbpage, except that a full copy to a file is left to
// SQLite's backup API, as it is when Options.BackupAPI asks for it.
func fromSnapshot(ctx context.Context, s *source, fp master.Fingerprint, t target, o *Options, res *Result) error {
	sq, err := dbpage.New(ctx, s.conn)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer sq.Close()
	page1 := make([]byte, sq.PageSize())
	if err := sq.ReadPage(1, page1); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	g := pagefile.Geometry{PageSize: sq.PageSize(), Reserved: int(page1[20])}
	walBefore := walHeader(s.path)
	fast, how, closer, err := s.snapshotPages(g, sq)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer closer.Close()
	p, err := t.plan(g, how, o)
	if err != nil {
		return err
	}
	if p.viaAPI {
		snap, err := s.capture(ctx, fp)
		if err != nil {
			return err
		}
		return viaAPI(ctx, s, fp, t, o, res, snap)
	}

	sink, tmp, done, err := passSink(t, p)
	if err != nil {
		return err
	}
	defer done()
	walPath := s.path + "-wal"
	var snap *snapshot
	var crcs []uint32
	capErr := alongside(how != master.ReadFromDBPage && !p.captureFirst,
		func() (err error) { snap, err = s.capture(ctx, fp); return err },
		func() { crcs, err = scan(ctx, fast, sink, walPath, o, res, passPhase(sink)) })
	if capErr != nil {
		return capErr
	}
	if how == master.ReadFromWAL && (err != nil || walHeader(s.path) != walBefore) {
		// The WAL was restarted while its frames were read (possible when
		// the snapshot itself uses no frame): read through SQLite instead.
		how = master.ReadFromDBPage
		crcs, err = scan(ctx, sq, sink, walPath, o, res, passPhase(sink))
	}
	if err != nil {
		return err
	}
	next, err := checkedManifest(s, snap, crcs, res)
	if err != nil {
		return err
	}
	res.PagesReadFrom = how
	if tmp != nil {
		res.CopiedWith = CopiedFromFiles
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("backup: syncing the copy: %w", err)
		}
		closer.Close()
		sq.Close()
		s.end() // every page is copied: checkpoints may go on
		// Closed before it is renamed, which Windows requires.
		if err := tmp.Close(); err != nil {
			return err
		}
		return t.commit(ctx, next, nil, tmp.Name(), o, res)
	}
	// The pages were compared by CRC with the target's, as sqlite3_rsync
	// does; those that differ are written by commit (an update of a
	// file, read through SQLite inside the transaction and checked
	// against their CRC; through the view, from the view itself, whose
	// page 1 is the file's) or are in the sink already (a store).
	res.CopiedWith = CopiedFromSnapshot
	if !p.pagesInCommit {
		closer.Close()
		sq.Close()
		s.end()
		return t.commit(ctx, next, nil, "", o, res)
	}
	var pages pagefile.Source = sq
	if v := s.view(); v != nil {
		pages = v
	}
	return t.commit(ctx, next, pages, "", o, res)
}

// passPhase names the progress phase of a pass: a copy when it has a
// sink, else a hash.
func passPhase(sink pageSink) string {
	if sink == nil {
		return PhaseHash
	}
	return PhaseCopy
}

// alongside runs capture in a goroutine of its own while work runs in
// this one, and returns capture's error once both are done. When they
// would share the source connection (concurrent is false) they run one
// after the other, since a connection serves one statement at a time.
func alongside(concurrent bool, capture func() error, work func()) error {
	if !concurrent {
		if err := capture(); err != nil {
			return err
		}
		work()
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- capture() }()
	work()
	return <-done
}

// rewind empties f for a fresh copy.
func rewind(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, 0)
	return err
}

// checkedManifest builds the manifest of a copy (or hash) of the snapshot
// once checkCopy has found it consistent with the metadata capture.
func checkedManifest(s *source, snap *snapshot, crcs []uint32, res *Result) (*Manifest, error) {
	if err := checkCopy(crcs, snap); err != nil {
		return nil, err
	}
	return newManifest(s, snap, crcs, res)
}

// checkCopy compares the pages copied (or hashed) with the metadata backup
// captured from the same snapshot through SQLite: the same page count, the
// same page 1, and for every leaf of every b-tree the CRC the capture
// recorded. Both sides read one snapshot, so a difference means the copy
// is not of that snapshot, and nothing is written.
func checkCopy(crcs []uint32, snap *snapshot) error {
	m := snap.meta
	if uint32(len(crcs)) != m.Header.PageCount {
		return fmt.Errorf("%w: %d pages copied, the snapshot has %d", ErrInconsistent, len(crcs), m.Header.PageCount)
	}
	if len(crcs) == 0 || crcs[0] != master.PageCRC(snap.page1) {
		return fmt.Errorf("%w: page 1 copied differs from the snapshot's", ErrInconsistent)
	}
	for _, t := range m.Trees {
		for _, l := range t.Leaves {
			if l.Pgno == 0 || int(l.Pgno) > len(crcs) || crcs[l.Pgno-1] != l.CRC {
				return fmt.Errorf("%w: leaf page %d of %q copied differs from the snapshot's", ErrInconsistent, l.Pgno, t.Name)
			}
		}
	}
	return nil
}
