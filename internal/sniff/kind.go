package sniff

// Kind is what a file that is not a readable database looks like.
type Kind string

// The kinds Stat and Content tell apart.
const (
	Directory  Kind = "directory"   // a directory
	NotRegular Kind = "not-regular" // a device, pipe or socket
	Empty      Kind = "empty"       // 0 bytes
	Zeros      Kind = "zeros"       // nothing but zero bytes in the sample
	ZeroHeader Kind = "zero-header" // zeros where SQLite's header belongs, data after: a wiped page 1
	Text       Kind = "text"        // printable UTF-8 text
	Encrypted  Kind = "encrypted"   // random-looking bytes, a whole number of pages
	Random     Kind = "random"      // random-looking bytes of no page-multiple size
	WAL        Kind = "wal"         // a SQLite write-ahead log
	Journal    Kind = "journal"     // a SQLite rollback journal
	Gzip       Kind = "gzip"        // gzip-compressed data
	Zip        Kind = "zip"         // a zip archive
	Binary     Kind = "binary"      // other bytes
	SQLite     Kind = "sqlite"      // starts with SQLite's header string
)

// Finding is what Content saw.
type Finding struct {
	Kind Kind
	Size int64
	// PageSize, for Encrypted, is a page size the size is a whole
	// multiple of (the common SQLCipher ones first).
	PageSize int
	// Start, for Text, is the beginning of the first line; for Binary,
	// the first bytes in hex.
	Start string
}
