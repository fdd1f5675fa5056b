// Package backup takes online page-level backups of a SQLite database,
// verifies them and restores them. It is the second half of dbrescue's
// insurance, beside the metadata backup of package master: a page-for-page
// copy of one consistent snapshot, taken while the application keeps
// writing, cheap enough to repeat, and readable page by page by a repair
// that needs the backup's version of pages destroyed in the live file.
//
// It sits beside package recover in the stack (cmd → recover, backup,
// corpus → master → btree → pagefile) and uses SQLite (modernc.org/sqlite)
// for what SQLite does best: read transactions, sqlite_dbpage, the online
// backup API and PRAGMA integrity_check.
//
// # Files
//
// A backup FILE (the CLI's default is DB.backup) is a plain SQLite
// database, page for page the snapshot it was taken from: page numbers are
// preserved (never VACUUM INTO) and page 1 is the snapshot's own, so every
// page can be compared with the source by CRC. Beside it:
//
//   - FILE.manifest: page size, page count, the CRC32C of every page, the
//     snapshot's identity and the metadata backup (master format) captured
//     from the same snapshot; see the format below.
//   - FILE.journal: only while an update is under way, or after one was
//     killed: the undo journal.
//   - FILE.lock: an empty file for flock: Run holds it exclusively, Open
//     shared. It exists only while it is held: the last holder removes it
//     (see lock for why that is race-free).
//   - FILE.tmp-*: temporary files of a backup under way, removed when it
//     fails as when it succeeds.
//
// FILE and its companions may never be the database or one of its -wal,
// -shm, -journal, and Restore's target never the backup or one of its
// companions (outputs.Check), whatever Force says.
//
// # Consistency
//
// Run opens one read-only connection on the source with sqlitero.Open, so
// a database nobody else has open keeps its directory as found (SQLite
// reads it immutable, or through a view of its committed state, and
// creates no -wal or -shm). In WAL mode it opens
// a read transaction on it (BEGIN and a first read) and keeps it until
// every page is read: all that Run reads comes from that one snapshot,
// however busy the writers are, and writers are never blocked (a WAL
// reader does not block them; checkpoints only cannot go past the
// snapshot until the transaction ends).
//
// Inside the transaction the snapshot's pages are read from the database
// file and its WAL once master.SnapshotSource has proven them equal to
// what SQLite serves in that transaction (sqlite_dbpage): a checkpoint
// only copies into the main file frames the snapshot already sees, so the
// pages the snapshot takes from the main file do not change while it is
// open. A full backup copies them to a temporary file in runs of
// StepPages pages, paced as below: a run is read and hashed with
// one system call, and the pages that are the main file's bytes are
// copied file to file inside the kernel (copy_file_range, as cp does)
// while WAL pages are written from memory. Meanwhile, in another
// goroutine, master.CaptureConn takes the metadata backup through SQLite
// from the same transaction, and the copy is accepted only if every leaf
// CRC the capture recorded is the CRC of the page copied (ErrInconsistent
// otherwise). When the files cannot be matched to the snapshot, or with
// Options.BackupAPI, SQLite's online backup API makes the copy instead
// (sqlite3_backup_step through the driver's NewBackup, reached with
// (*sql.Conn).Raw), inside the same held transaction.
//
// Why the transaction matters for the backup API: SQLite restarts a copy
// from page 1 whenever the source pager notices a commit by another
// connection, which happens when the pager opens a new read transaction
// on a changed database. Measured with a writer committing in another
// connection: with the transaction held, 0 restarts over 2,641 commits;
// without it, 2,326 restarts in 3,000 steps and the copy never finished.
//
// Speed, on the 1 GB benchmark (go run ./bench/backup; 2 cores): the
// file copy takes about 1.05 times as long as cp + sync of the same file
// (0.59 s); the backup API, which reads and writes one page per system
// call, about 4 times.
//
// Pace: a copy at full speed takes both cores and, with the fsyncs that
// write it out as it goes, keeps the file system journal busy; a writer
// in another process then saw its commit p99 grow about tenfold. So by
// default (Options.Pause 0) the copy runs at full speed only while the
// WAL is untouched, and once another connection commits it pauses 2 ms
// per MiB copied for the rest of the copy (the writer's p99 then stayed
// within 1.6x; Result.WritersSeen). NoPause keeps full speed.
//
// In rollback-journal mode a held read lock would block every writer for
// the whole copy, so the backup API copies the database in steps outside
// a transaction with Pause between them, and a commit restarts the copy.
// Restarts are counted (Result.Restarts); each doubles the step size, and
// after MaxRestarts Run fails with ErrNoProgress rather than loop forever.
// A step that finds the database locked is retried with a backoff from
// 10 ms to 1 s, at most MaxBusyRetries times. The final step runs inside a
// read transaction, so its snapshot is still there for the metadata
// capture.
//
// The backup API writes its copy to a temporary file (with no journal and
// no fsync of its own). It stamps its own schema cookie, change counter
// and version into the copy's header; Run writes the snapshot's page 1
// back, hashes every page and fsyncs.
//
// # Incremental updates
//
// When FILE already holds a valid backup of the same page size, Run only
// writes the pages whose CRC32C differs from the manifest, the way
// sqlite3_rsync compares page hashes. In WAL mode the new CRCs are computed
// inside the read transaction from the snapshot itself (the database file
// and WAL when they provably equal the snapshot, as master does; else
// sqlite_dbpage), without copying anything; the changed pages are read
// through sqlite_dbpage and checked against their CRC before they are
// written. In rollback-journal mode, or with Options.Full, a full copy is
// made to a temporary file first (as for a first backup) and the changed
// pages are taken from it. Result.PagesWritten counts the pages written into FILE.
//
// # Crash safety
//
// A first backup (no valid backup at FILE) is written to a temporary file,
// fsynced, its manifest installed atomically (temporary file, fsync,
// rename, directory fsync), and only then renamed to FILE. An update of an
// existing backup patches FILE in place under an undo journal, as SQLite
// does: (1) the current bytes of every page about to change, and of any
// tail about to be cut off, go to FILE.journal with the old size and the
// SHA-256 of the old and the new manifest, and the journal is fsynced
// (file and directory); (2) the pages are written and FILE is cut to its
// new size and fsynced; (3) the new manifest replaces the old atomically:
// this is the commit point; (4) the journal is deleted. Whoever next opens
// the backup (Run, Open, Verify, Restore) recovers first: an incomplete
// journal means FILE was not touched yet and is discarded; a complete one
// is rolled back (saved bytes written back, old size restored) if the
// manifest on disk is still the old one, or simply deleted if it is the
// new one. A process killed at any moment therefore leaves the previous
// backup, or the new one if it had committed, and never a mix. Recovery
// writes, so reading a backup that was interrupted needs write access.
//
// # Manifest format (version 1)
//
// All integers are big-endian.
//
//	offset  size  field
//	0       8     magic "DBRBACK\x00"
//	8       2     format version (1); a reader refuses a newer version
//	10      2     flags (0)
//	12      4     page size
//	16      4     page count N
//	20      8     capture time, Unix nanoseconds
//	28      4     schema cookie of the snapshot
//	32      4     file change counter of the snapshot
//	36      32    digest: SHA-256 of the N CRCs below, as bytes
//	68      2+J   journal mode of the source (J ≤ 64)
//	.       2+S   source path (S ≤ 4096)
//	.       4N    CRC32C of each page, page 1 first
//	.       4+M   metadata backup (master.Encode), M bytes
//	.       4     CRC32C of every byte before it
//
// Reading trusts nothing: the checksum is checked first, N is checked
// against the bytes present before anything is allocated, and the digest
// must match the CRCs. A manifest that cannot be used is a *FormatError
// (master's one type for dbrescue's own files) whose cause is ErrNotBackup,
// master.ErrVersion or one of the causes every layer shares:
// pagefile.ErrTruncated for a file cut short, pagefile.ErrChecksum,
// pagefile.ErrBadValue.
//
// # Journal format (version 1)
//
//	0   8   magic "DBRJRNL\x00", 8: version (2), 10: flags (2)
//	12  32  SHA-256 of the manifest to roll back to
//	44  32  SHA-256 of the manifest that commits the update
//	76  8   size of FILE before the update
//	84  4   record count R
//	88  …   R records: file offset (8), length L ≤ 1 MiB (4), L bytes
//	…   8   "DBRJEND\x00", then the CRC32C of every byte before it (4)
//
// A journal that fails these checks is a *FormatError (File FileJournal)
// and is discarded: a journal is durable before the backup is touched, so
// one that is not whole belongs to an update that never began.
//
// # For repair
//
// Open returns a File: the Manifest, the metadata backup (*master.Meta,
// same snapshot) and a pagefile.Source over the backup file; VerifyPage
// and ReadPage check a page against the manifest's CRC, so a repair can
// take the backup's version of pages the broken file lost and know they
// are the ones the backup recorded.
package backup
