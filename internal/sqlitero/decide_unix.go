//go:build unix

package sqlitero

// Byte ranges SQLite's unix VFS locks (os_unix.c, sqliteInt.h): on the
// database file the PENDING byte at 1 GiB, the RESERVED byte after it and
// the 510 SHARED bytes after that; on DB-shm the dead-man switch,
// UNIX_SHM_DMS = (22+SQLITE_SHM_NLOCK)*4 + SQLITE_SHM_NLOCK with
// SQLITE_SHM_NLOCK = 8, on which every connection that has the WAL index
// mapped holds a read lock for as long as it is open.
const (
	pendingByte  = 0x40000000
	reservedByte = pendingByte + 1
	sharedFirst  = pendingByte + 2
	sharedSize   = 510
	shmDMS       = (22+8)*4 + 8
)

// decide chooses how SQLite may read the database at path (absolute).
//
// The lock probes open the files they test, and closing a descriptor drops
// every POSIX lock this process holds on that file, SQLite's included; so
// when this process already has the database or its -shm open (SQLite in
// the same process), nothing is probed and the database counts as in use,
// which is what it is.
func decide(path string) (plan, error) {
	var p plan
	hdrWAL, err := headerSays(path)
	if err != nil {
		return p, err
	}
	walSize, err := fileSize(path + suffixWAL)
	if err != nil {
		return p, err
	}
	shmSize, err := fileSize(path + suffixSHM)
	if err != nil {
		return p, err
	}
	// SQLite opens a database in WAL mode when its header says so or when
	// a WAL file lies beside it (pagerOpenWalIfPresent).
	p.wal = hdrWAL || walSize >= 0
	p.before = companions{wal: walSize >= 0, shm: shmSize >= 0}
	if openedHere(path) || (shmSize >= 0 && openedHere(path+suffixSHM)) {
		p.how = Shared
		return p, nil
	}
	if !p.wal {
		hot, err := journalLooksHot(path)
		if err != nil {
			return p, err
		}
		// A journal is only hot when no writer holds RESERVED: a writer
		// still at work keeps it, and its journal is its own business.
		if hot && !lockedByOther(path, reservedByte, 1) {
			// The view rolls the journal back, read-only, as SQLite's
			// rollback would.
			p.how = View
		} else {
			p.how = ReadOnly
		}
		return p, nil
	}
	switch {
	case shmSize >= 0 && lockedByOther(path+suffixSHM, shmDMS, 1):
		p.how = Shared
	case lockedByOther(path, pendingByte, sharedFirst+sharedSize-pendingByte):
		// A connection in exclusive locking mode keeps its WAL index in
		// its own memory (no DMS lock), or one is opening right now.
		p.how = Shared
	case walSize <= 0:
		p.how = Immutable
	default:
		p.how = View
	}
	return p, nil
}
