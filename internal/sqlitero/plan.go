package sqlitero

import (
	"bytes"
	"errors"
	"os"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// plan is what decide found: how to open, whether the database is in WAL
// mode, and which companions existed before SQLite was let near them.
type plan struct {
	how    How
	wal    bool
	before companions
}

// companions records which of the files SQLite may create beside a
// database existed when Open looked.
type companions struct {
	wal, shm bool
}

// Suffixes of the files SQLite keeps beside a database.
const (
	suffixWAL     = "-wal"
	suffixSHM     = "-shm"
	suffixJournal = "-journal"
)

// ErrHotJournal reports a hot rollback journal beside the database (a
// transaction was interrupted) that cannot be rolled back in the view: it
// is damaged, so the committed state cannot be read whole.
var ErrHotJournal = errors.New("sqlitero: a hot rollback journal lies beside the database (a transaction was interrupted) and it is damaged, " +
	"so the committed state cannot be read whole; repair the database (dbrescue repair) instead")

// journalMagic starts every rollback journal SQLite writes; a journal that
// does not start with it (zeroed by PERSIST mode, or empty) is not hot.
var journalMagic = []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}

// headerSays reads the two version bytes of the database header (offsets
// 18 and 19: 1 rollback, 2 WAL). A file too short to have them reads as
// rollback mode: SQLite will refuse it by itself.
func headerSays(path string) (wal bool, err error) {
	b, err := fsutil.ReadPrefix(path, 20)
	if err != nil {
		return false, err
	}
	return len(b) == 20 && (b[18] == 2 || b[19] == 2), nil
}

// fileSize is the size of path, -1 when it does not exist.
func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return -1, nil
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// journalLooksHot reports a rollback journal that SQLite would consider
// for rollback: present, not empty, starting with the journal magic.
// Whether a writer is still at work on it is the caller's question.
func journalLooksHot(path string) (bool, error) {
	b, err := fsutil.ReadPrefix(path+suffixJournal, len(journalMagic))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil && bytes.Equal(b, journalMagic), err
}
