// Package master is the schema model of a database and its metadata
// backup: a small side file, taken while the database is healthy, that holds
// everything a repair needs from the fragile places of a SQLite file.
//
// A repair of a database whose page 1 or interior pages are destroyed needs
// the page size and reserve, the text encoding, every sqlite_master row
// (tables, indexes, views, triggers), the AUTOINCREMENT counters, how each
// table's columns are stored (as SQLite itself reports them: PRAGMA
// table_xinfo, index_list, index_xinfo; no SQL is parsed here) and which
// pages belong to which b-tree, with a CRC of every leaf so that a leaf
// found later can be recognised, and what a repair needs to know what it
// lost: the cell count of every leaf, the entry count of every tree and a
// CRC of every overflow page (an overflow page overwritten with garbage
// would otherwise pass for the tail of a complete row). Capture reads all
// of that from one read snapshot; page lists come from the project's own
// b-tree reader, run on the database file and WAL when they provably equal
// the snapshot (fast) or on pages served by SQLite's sqlite_dbpage (always
// exact).
//
// # File format (version 3)
//
// All integers in the fixed parts are big-endian.
//
//	offset  size  field
//	0       8     magic "DBRMETA\x00"
//	8       2     format version (3); a reader takes 1 to 3, refuses newer
//	10      2     flags: bit 0 = schema only, bit 1 = counts recorded
//	12      4     F, length of the fingerprint section (at most 4096)
//	16      F     fingerprint: database header (100 bytes), sizes and
//	              modification times of the database and WAL, WAL header
//	16+F    4     CRC32C of bytes [0, 16+F): lets Unchanged read only this
//	20+F    8     U, length of the body before compression (at most 1 GiB)
//	28+F    8     C, length of the compressed body
//	36+F    C     body, DEFLATE-compressed (compress/flate)
//	36+F+C  4     CRC32C of every byte before it
//
// The body is a sequence of fields: unsigned LEB128 varints, zigzag
// varints for signed values, strings as a varint length and bytes, and
// booleans as one byte 0 or 1. In order: capture time, source path, SQLite
// version, schema-only flag, how pages were read; the header (page size,
// reserved bytes, text encoding, auto_vacuum, user_version, application_id,
// schema cookie, file change counter, page count, freelist count, journal
// mode); the sqlite_master rows (type, name, tbl_name, rootpage, sql); the
// sqlite_sequence rows; the tables (name, WITHOUT ROWID, STRICT, rowid
// alias, columns, record order); the indexes (name, table, unique, origin,
// partial, columns); the counts flag (a boolean, mirrored in header flag
// bit 1); and the trees (name, root, kind, then interior, leaf and
// overflow page lists, each as a count and zigzag deltas from the previous
// page, the leaf list followed by one 4-byte CRC32C per leaf). When the
// counts flag is set, each tree also holds, after its leaf CRCs, one
// varint cell count per leaf; after its overflow list, a count (equal to
// the overflow list's) and one 4-byte CRC32C per overflow page; and last
// its entry count as a varint. Every other list is preceded by its count:
// leaf CRCs and cell counts have one entry per leaf.
//
// Version 1 is version 2 without the counts flag and without the counts:
// a version-1 file decodes with Meta.Counts false, so that a repair never
// takes "unknown" for "zero". Everything before the body is the same in
// both, so Unchanged reads either; it answers "changed" for a version-1
// backup when page lists are wanted, so that the next capture records the
// counts.
//
// Version 3 is version 2 with, for an encrypted database only, one more
// field at the end of the body: its cipher salt, as a byte string of 16
// bytes. A plain database's body is version 2's; versions 1 and 2 decode
// with no salt.
//
// Reading trusts nothing: each count is checked against the bytes left
// before anything is allocated, decompression stops at the declared size,
// page numbers must lie inside the recorded page count, a leaf holds at
// most page size / 4 cells, a tree at most as many entries as its pages
// can hold, and SQL text is kept as data, never examined or run. A file
// that cannot be used is a *FormatError (the one type for dbrescue's own
// files, backup manifests included) whose cause is ErrNotMeta, ErrVersion
// or one of the causes every layer shares: pagefile.ErrTruncated for a
// file cut short, wherever it was cut, pagefile.ErrChecksum,
// pagefile.ErrBadValue.
//
// # Generations
//
// WriteFile replaces a backup atomically (temporary file, fsync, rename,
// directory fsync) and keeps the valid file it replaces as name+".prev",
// so a crash at any moment leaves at least one readable generation;
// ReadLatest takes the newest that verifies.
package master
