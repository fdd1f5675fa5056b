// Package sqlitero opens a database that a command only reads through
// SQLite (modernc.org/sqlite) so that the directory is left as it was
// found. SQLite's unix VFS creates DB-shm and an empty DB-wal beside a
// WAL-mode database even for a read-only connection, and stops at a hot
// rollback journal it may not roll back; a copied database, a database on
// an evidence disk or one no app has open must come out of a metadata
// backup or a page-level backup exactly as it went in.
//
// Open decides, once, how SQLite may read the file (How), from the header,
// the files beside it and the locks other connections hold on them (fcntl
// F_GETLK, which changes nothing):
//
//   - Shared: another connection has the database open (it holds the
//     dead-man-switch lock on DB-shm or a lock on the database file): a
//     plain mode=ro connection, which finds -wal and -shm there already
//     and coordinates with that connection as any reader does.
//   - ReadOnly: rollback-journal mode without a hot journal: mode=ro, which
//     creates nothing.
//   - Immutable: WAL mode, nobody has it open and no WAL content: mode=ro
//     with immutable=1, which opens no -wal or -shm and takes no lock.
//   - View: nobody has it open and there is committed WAL content (or a hot
//     rollback journal, once pagefile rolls journals back; until then that
//     case is ErrHotJournal): SQLite reads a read-only view (package
//     modernc.org/sqlite/vfs) of the committed state as package pagefile
//     assembles it, with header bytes 18 and 19 set to 1 so that SQLite
//     looks for no WAL. DB.View keeps that *pagefile.File for callers that
//     read pages themselves.
//
// Close removes what a connection created beside the database after all
// (a -shm, an empty -wal; possible when the other connection that made the
// choice Shared closed in between), but only under an exclusive lock on the
// database file, which no connection that has it open lets it take.
//
// Open looks once. A process that opens the database after it looked is not
// seen: immutable and through the view SQLite takes no lock, so a writer
// that starts then and checkpoints into the main file while the command
// reads can tear what it reads. Open is for databases no app is using;
// beside an app that has the database open it chooses Shared, which is
// as safe as any reader.
//
// In this process, SQLite may hold POSIX locks on the files, which closing
// any descriptor of them drops (the probes open and close them). So a
// database this process already has open (Linux: /proc/self/fd) counts as
// Shared without a probe, and Close removes nothing it still has open.
//
// What it does not know: what is in the database. It reads the header's
// journal-mode bytes and the rollback journal's magic, nothing else.
// Where the platform has no fcntl locks (Windows), Open always uses mode=ro.
// It is not part of package dbpage, which serves pages inside a
// transaction its caller opened and knows nothing of files and locks.
package sqlitero
