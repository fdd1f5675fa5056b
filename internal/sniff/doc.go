// Package sniff says what a file is when it is not a SQLite database a
// command can read: a directory, an empty file, text, zero bytes, random
// bytes, bytes that look encrypted (SQLCipher, WCDB's cipher), a WAL or a
// rollback journal given in place of its database, an archive. It is the
// one place every command asks, so a support engineer reads the same
// sentence whichever command met the file.
//
// Stat looks at what the file system says (directory, empty, not a regular
// file); Content looks at the first bytes and the size; NotDatabase puts
// the two together into a *NotDatabaseError, whose message is one sentence
// a person understands. The geometry policy (package census) asks when no
// page size works; package sqlitero asks before SQLite opens a file.
//
// What it does not know: how to read a database. It never says that a
// file is a database, only, when a reader has given up, what the file
// looks like instead. It reads a bounded prefix of the file (SampleSize
// bytes), never more, and never writes.
package sniff
