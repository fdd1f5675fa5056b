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
// backup API and PRAGMA integrity_check. Backups kept away from the
// machine go to a store of package remote (below backup), which only
// moves bytes: the layout, formats, encryption and checks are here.
//
// What it does not know: what a row is, how to repair a page, or how a
// store talks to its server.
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
//	10      2     flags: 1 = encrypted (see below); other bits refused
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
// # Encrypted databases
//
// SQLite cannot open a SQLCipher file, so when the source looks encrypted
// (package sniff) or Options.Encryption says it is, Run and RunToStore
// copy its ciphertext pages without SQLite and without the key
// (encSource): the same targets, pass, pace and crash safety, but no
// read transaction and no metadata capture. The consistent snapshot comes
// from the locks an SQLite reader takes (os_unix.c), with fcntl on one
// descriptor per file held for the whole copy (closing any descriptor of a
// file drops this process's POSIX locks): SHARED on the database file
// (read locks on PENDING, then the SHARED range, then PENDING dropped), so
// that no writer takes EXCLUSIVE in rollback-journal mode; a hot journal
// (first byte not zero, nobody holding RESERVED) is ErrHotJournal, never
// rolled back. In WAL mode WAL_READ_LOCK(0) is read-locked on the -shm,
// which the checkpointer needs exclusively to backfill, so the database
// file does not change; the WAL's committed frames are overlaid on the
// file's pages, and the pass repeated if the WAL header changed under it
// (a restart rewrites the header before any frame). With no -shm nobody
// has the database open in WAL mode; a -shm that appears repeats the pass.
//
// The manifest then has flag 1: Snapshot.Encrypted, CRCs and digest over
// the ciphertext, no metadata (Meta empty, File.Meta and StoreVersion.Meta
// nil), journal mode "wal" or "rollback", schema cookie and change
// counter from page 1 only when Encryption.Cipher (the key) was given.
// Verify and restore check CRCs and digest and skip integrity_check
// (IntegrityNeedsKey). Without metadata there is no fingerprint: an
// unchanged source is told by its digest after the pass (ModeUnchanged).
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
// # Stores
//
// RunToStore keeps the backups of a database as versions in a store
// (package remote: s3://BUCKET/PREFIX, file://DIR), the way Litestream
// ships pages to S3, but made of immutable objects only, never
// rewritten, under the store's prefix:
//
//	versions/<id>.ver        a version manifest, created last by its run
//	segments/<run>-<n>.seg   pages a run uploaded, packed
//	locks/<run>.<n>.lock     a run under way (see Pruning)
//
// IDs are the UTC time to the nanosecond (so keys sort in time order)
// and 8 random hex digits, e.g. 20261129T061153.123456789Z-3fa2b1c9; a
// version's time is its snapshot's.
//
// A run reads the source exactly as Run does (the same source, read
// transaction, pace, page CRCs and metadata check: the store is a target
// of the same run, see target) in one pass. Each page whose CRC32C is
// the one the base version (the newest in the store) recorded keeps the
// base's frame; every other page is compressed (zstd, per page, stored
// as it is when that does not save space), sealed when there is a Key,
// and appended to a segment of about 4 MiB, which is uploaded by one of
// StoreOptions.Uploads goroutines once full. Memory holds the segments in
// flight (Uploads+1), the page CRCs and locations (16 bytes a page, twice
// that with a base version) and the metadata backup; the metadata
// capture, which surveys every page (about 30 bytes a page while it
// runs), runs before the pass rather than beside it, so that the two
// peaks do not add up. MaxRate spaces the uploads; segments then hold at
// most two seconds' worth. When every
// segment is uploaded, the version manifest is created with a
// create-only write (S3: If-None-Match: *): the commit point. A run
// killed at any moment leaves the versions as they were, plus segments
// no version names (deleted by the run itself when it fails, else by the
// next Prune). In rollback-journal mode (or with BackupAPI) SQLite's
// backup API copies the database to a file in the system's temporary
// directory first, as Run does beside its backup, and the pass reads the
// copy: that mode needs the disk space of one copy, WAL mode none.
//
// Restore and verify download only the frames the chosen version uses,
// a segment whole when the version uses at least half of it (then its
// size and CRC32C are checked too), else in ranged reads of the frames
// it uses; every frame is checked against its page CRC, the image
// against the version's SHA-256 digest, and the result with PRAGMA
// integrity_check, before a restore renames it into place.
//
// # Segment format (version 1)
//
//	0   8  magic "DBRSEGM\x00"
//	8   2  format version (1)
//	10  2  flags: 1 = encrypted
//	12  4  page size
//	16  8  key ID (zeros when not encrypted)
//	24  …  frames, one a page, at the offsets the manifests record
//
// A frame is a method byte (0 stored, 1 zstd) and the page (stored or
// compressed); encrypted, it is nonce (12) || AES-256-GCM(frame) || tag
// (16) with the segment's key and the frame's offset as associated data.
//
// # Version manifest format (version 1)
//
//	0   8  magic "DBRVERS\x00"
//	8   2  format version (1)
//	10  2  flags: 1 = encrypted
//	12  8  key ID (zeros when not encrypted)
//	20  4  summary section length
//	24  4  segment table section length
//	28  8  body section length
//	36  …  the three sections
//
// A section is its data followed by its CRC32C, or, encrypted, nonce ||
// AES-256-GCM(data) || tag with the header, the section's tag and the
// object key as associated data, so a section moved to another manifest
// does not open. The summary (what `dbrescue backups` shows, read with
// one small ranged read) holds the ID, the base's ID, the capture time,
// page size and count, the pages, bytes and segments the run uploaded,
// the SHA-256 of the whole image and the digest of the page CRCs. The
// segment table lists each segment the version uses: key, size, CRC32C
// (Prune reads only the header, summary and table). The body is a
// Manifest (the local format above: page CRCs, snapshot, metadata
// backup) and each page's frame: segment index, offset and length,
// varint-coded as differences, 3-4 bytes a page. Decoding checks every
// checksum, every length against the bytes present, every key against
// "segments/….seg" and every frame against its segment's size before
// anything is allocated or read.
//
// # Encryption
//
// With a Key (32 bytes, 64 hex characters in a key file) every frame and
// every manifest section is sealed with AES-256-GCM and a random nonce;
// the store sees sizes, times and key IDs, never a page, a CRC or a
// schema. The key ID (a hash of the key) is stored in the clear beside
// what it sealed, so a missing key (ErrKeyRequired) or a wrong one
// (ErrWrongKey) is told apart from damage before anything is written.
// A run refuses to add a version sealed with another key (or none) than
// the newest version's, unless Force: then it uploads every page.
//
// # Pruning
//
// Prune deletes the versions a Retention does not keep and then the
// segments that no remaining version names, and nothing else, while
// other runs may be backing up to the same store. A run's lock object
// names its base version and is renewed every LockRefresh (by creating
// the next object and deleting the previous: objects are never
// rewritten); a lock older than LockStale by the store's own clock (the
// time of an object Prune creates for the purpose) belongs to a dead run.
// A run creates its lock before it uploads anything, checks after that
// its base still exists (else it starts over), and deletes its lock only
// once its manifest exists. Prune keeps the bases of live runs; then,
// after deleting manifests, it lists the segments, then the locks, then
// the versions, and deletes a segment only if no version of that last
// list names it, no live run is based on a version that names it, and
// no live run uploaded it. A segment listed first either belongs to a
// version listed last, or to a run whose lock was still there when the
// locks were listed, or to nobody. When something cannot be read (a
// lock, a manifest), no segment is deleted. The segments of a run that
// was killed are freed once its lock is stale. Readers take no lock: a
// restore or verify of a version that a prune deletes meanwhile (one the
// retention no longer keeps) fails with ErrMissingObject or ErrNoVersion,
// never with a wrong database.
//
// # For repair
//
// Open returns a File: the Manifest, the metadata backup (*master.Meta,
// same snapshot) and a pagefile.Source over the backup file; VerifyPage
// and ReadPage check a page against the manifest's CRC, so a repair can
// take the backup's version of pages the broken file lost and know they
// are the ones the backup recorded. OpenStoreVersion does the same for a
// version in a store, each page fetched with one ranged read.
package backup
