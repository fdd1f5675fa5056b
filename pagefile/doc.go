// Package pagefile presents a SQLite database file, with its hot rollback
// journal and its write-ahead log when present, as numbered pages: the
// committed database, as SQLite would read it. It is the lowest layer of
// dbrescue.
//
// What it knows: the 100-byte database header (every field decoded and
// checked), the page size and the usable size (page size minus reserved
// bytes), where the lock-byte page and the pointer-map pages sit, how the
// freelist is chained, how a hot journal's records are verified and rolled
// back in memory (JournalOverlay: the journal's original pages over the
// main file, which is never written), and how WAL frames are validated and
// overlaid on the main file as of the last valid commit. Where SQLite gives
// up on a damaged journal or WAL, pagefile salvages what proves itself: a
// journal record whose checksum verifies is used even after a bad one, and
// a WAL whose header is lost is read from frames whose checksums run back
// to a header (SalvageWAL).
//
// What it does not know: anything inside a b-tree page. Cells, records and
// overflow chains belong to package btree, which reads pages through the
// Source interface defined here. pagefile has no dependency on SQLite the
// library; it parses bytes and trusts none of them.
//
// Sources: a page can come from a file (ReaderSource over io.ReaderAt), a byte
// slice (NewBytesSource, handy for fuzzing), a file with its journal rolled
// back (JournalOverlay) or its WAL overlaid (WALOverlay), or any function that
// serves page images (SourceFunc), such as a query on SQLite's sqlite_dbpage
// table inside a read transaction.
//
// Encrypted databases: a SQLCipher (or WCDB) file is read through a Cipher
// (OpenCipher derives it once from the key and checks it on sample pages;
// CipherPreset names the published parameters): Options.Cipher makes the
// journal and WAL be read as the encrypted pages they hold and File.Source
// a DecryptSource, which serves every page decrypted and records those
// whose HMAC fails. Above pagefile, nothing knows a file was encrypted.
//
// Hostile input is the normal case: every count and pointer read from the
// file is checked against what the file can actually hold before it is used,
// loops are detected, and malformed input yields a *CorruptError that
// names the page, the offset and the reason. Its causes (ErrTruncated,
// ErrChecksum, ErrBadValue, ErrLoop, ErrOutOfRange, ErrPastEnd) are the
// project's one vocabulary of damage: the layers above give them to the
// errors of their own files too, so errors.Is answers alike at every layer.
package pagefile
