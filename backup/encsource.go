package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/pagefile"
)

// encSource reads a consistent snapshot of an encrypted database without
// SQLite, by taking the locks an SQLite reader takes (os_unix.c's
// protocol, see readlock_unix.go) on one descriptor of each file, held
// until close: POSIX locks belong to the process and closing any
// descriptor of a file drops them all, so nothing here opens the database
// file or its -shm a second time while they are held.
//
//   - The database file: SHARED (read locks on PENDING, then the SHARED
//     range, then PENDING dropped). In rollback-journal mode no writer can
//     then take EXCLUSIVE and write the file until close.
//   - A hot journal (a -journal whose first byte is not zero while nobody
//     holds RESERVED) is refused with ErrHotJournal, never rolled back.
//   - WAL mode, when a -shm exists: a read lock on WAL_READ_LOCK(0) (byte
//     123 of the -shm). SQLite's checkpointer takes that lock exclusively
//     before it copies frames into the database file (walCheckpoint), so
//     while it is held the database file does not change; writers go on
//     appending to the WAL. The committed frames are overlaid on the
//     file's pages (pagefile's WAL reader checks salts and checksums over
//     the raw frames). A writer that restarts the WAL rewrites its header
//     before it overwrites a frame, so the header is compared after the
//     pass and the pass repeated when it changed.
//   - No -shm: nobody has the database open in WAL mode (SQLite cannot
//     open it without creating one), so the files are copied as they
//     are; the pass is repeated, with the -shm lock, if one appears.
//
// Nothing is ever created or written beside the database.
type encSource struct {
	path        string // absolute
	db          *os.File
	size        int64
	shm         *os.File // the -shm, read-locked at WAL_READ_LOCK(0); nil when there is none
	g           pagefile.Geometry
	c           *pagefile.Cipher
	journalMode string    // "wal" when a WAL with committed frames was used, else "rollback"
	wal         io.Closer // the WAL the last pass read, released by close
	closed      bool
}

// maxEncPasses bounds how many times a pass is repeated because the WAL
// was restarted (or a -shm appeared) under it.
const maxEncPasses = 4

// openEncSource opens the database at path and takes its locks, retrying
// a lock a writer holds with backoff (o.MaxBusyRetries times), then
// decides the page size (see encGeometry).
func openEncSource(ctx context.Context, path string, enc *Encryption, o *Options, res *Result) (*encSource, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	s := &encSource{path: abs, db: f, c: enc.Cipher}
	if err := s.retry(ctx, o, res, func() error { return sqliteShared(f) }); err != nil {
		s.close()
		return nil, fmt.Errorf("backup: shared lock on %s: %w", path, err)
	}
	if err := s.checkHotJournal(); err != nil {
		s.close()
		return nil, err
	}
	if err := s.lockShm(ctx, o, res); err != nil {
		s.close()
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		s.close()
		return nil, err
	}
	s.size = st.Size()
	if s.g, res.PageSizeFrom, err = encGeometry(f, s.size, s.walHeader(), enc); err != nil {
		s.close()
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return s, nil
}

// retry runs take until it does not find the lock busy, at most
// o.MaxBusyRetries times, with backoff between tries.
func (s *encSource) retry(ctx context.Context, o *Options, res *Result, take func() error) error {
	for n := 1; ; n++ {
		err := take()
		if !errors.Is(err, errLockBusy) {
			return err
		}
		if n > o.MaxBusyRetries {
			return fmt.Errorf("%w: %s is locked by a writer (%d retries)", ErrBusy, s.path, o.MaxBusyRetries)
		}
		res.BusyRetries++
		sleep(ctx, backoff(n))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// checkHotJournal refuses a hot journal, as SQLite's hasHotJournal
// defines it: a -journal of at least one byte whose first byte is not
// zero, while no other process holds RESERVED. (A writer that holds
// RESERVED is inside a transaction; with SHARED held here it cannot
// write the database file, so its journal does not matter.)
func (s *encSource) checkHotJournal() error {
	j, err := os.Open(s.path + "-journal")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer j.Close()
	var b [1]byte
	if n, _ := j.ReadAt(b[:], 0); n == 0 || b[0] == 0 {
		return nil // empty, or zeroed (journal_mode=persist): not hot
	}
	held, err := lockedByOther(s.db, reservedByte)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if held {
		return nil
	}
	return fmt.Errorf("%w: %s-journal", ErrHotJournal, s.path)
}

// lockShm takes WAL_READ_LOCK(0) on the -shm when there is one and it is
// not held yet. The -shm is opened read-only: it is never created.
func (s *encSource) lockShm(ctx context.Context, o *Options, res *Result) error {
	if s.shm != nil {
		return nil
	}
	f, err := os.Open(s.path + "-shm")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := s.retry(ctx, o, res, func() error { return rdlock(f, shmReadLock0, 1) }); err != nil {
		f.Close()
		return fmt.Errorf("backup: WAL read lock on %s-shm (a checkpoint is running): %w", s.path, err)
	}
	s.shm = f
	return nil
}

// walHeader is the WAL's first 32 bytes, or nil when it has none.
func (s *encSource) walHeader() []byte {
	h := walHeader(s.path)
	if len(h) < pagefile.WALHeaderSize {
		return nil
	}
	return []byte(h)
}

// walState is what must not change during a pass for it to be of one
// snapshot: the WAL header and whether a -shm exists.
type walState struct {
	header string
	shm    bool
}

func (s *encSource) state() walState {
	_, err := os.Stat(s.path + "-shm")
	return walState{header: walHeader(s.path), shm: err == nil}
}

// pages returns the snapshot's ciphertext pages as of now: the database
// file with the WAL's committed frames overlaid (when it has a valid
// header and frames of this page size), and the state to compare after
// the pass. The closer releases the WAL.
func (s *encSource) pages() (pagefile.Source, walState, io.Closer, error) {
	before := s.state()
	if st, err := s.db.Stat(); err == nil {
		s.size = st.Size() // a pass repeated because a connection appeared
	}
	base, err := pagefile.NewReaderSource(s.db, s.size-s.size%int64(s.g.PageSize), s.g.PageSize)
	if err != nil {
		return nil, before, nil, err
	}
	s.journalMode = "rollback"
	wf, err := os.Open(s.path + "-wal")
	if errors.Is(err, os.ErrNotExist) {
		return base, before, io.NopCloser(nil), nil
	}
	if err != nil {
		return nil, before, nil, fmt.Errorf("backup: %w", err)
	}
	st, err := wf.Stat()
	if err != nil {
		wf.Close()
		return nil, before, nil, err
	}
	w, err := pagefile.ReadWAL(wf, st.Size())
	if err != nil || w.Committed == 0 {
		// No valid header (a WAL being started, or reset) or no commit:
		// SQLite itself reads the database file alone then.
		wf.Close()
		return base, before, io.NopCloser(nil), nil //nolint:nilerr // an unusable WAL is an empty one, as for SQLite
	}
	if w.PageSize() != s.g.PageSize {
		wf.Close()
		return nil, before, nil, fmt.Errorf("%w: the WAL's frames are %d bytes, the pages %d", ErrPageSize, w.PageSize(), s.g.PageSize)
	}
	ov, err := pagefile.NewWALOverlay(base, w)
	if err != nil {
		wf.Close()
		return nil, before, nil, err
	}
	s.journalMode = "wal"
	return ov, before, wf, nil
}

// same reports whether the pass that started at before saw one snapshot:
// the WAL was not restarted, and no -shm appeared (which would mean a
// connection opened the database and could have checkpointed).
func (s *encSource) same(before walState) bool {
	now := s.state()
	return now.header == before.header && (before.shm || !now.shm)
}

// page1 is the snapshot's page 1 decrypted with the key, for the
// snapshot's identity; nil without a key.
func (s *encSource) page1(src pagefile.Source) (*pagefile.Header, error) {
	if s.c == nil || src.PageCount() == 0 {
		return nil, nil
	}
	raw := make([]byte, s.g.PageSize)
	if err := src.ReadPage(1, raw); err != nil {
		return nil, err
	}
	dst := make([]byte, s.g.PageSize)
	if err := s.c.DecryptPage(1, raw, dst); err != nil {
		return nil, fmt.Errorf("backup: page 1 of the snapshot does not decrypt with the key: %w", err)
	}
	return pagefile.ParseHeader(dst), nil
}

// close releases the files and with them the locks; it may be called
// again.
func (s *encSource) close() {
	if s.closed {
		return
	}
	s.closed = true
	if s.wal != nil {
		s.wal.Close()
	}
	if s.shm != nil {
		s.shm.Close()
	}
	s.db.Close()
}
