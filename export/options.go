package export

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format is an export format.
type Format string

// The formats.
const (
	SQL    Format = "sql"    // a script for the sqlite3 shell
	CSV    Format = "csv"    // one RFC 4180 file per table
	NDJSON Format = "ndjson" // one file per table, one JSON object per row
)

// Formats lists every format, for help texts and validation.
var Formats = []Format{SQL, CSV, NDJSON}

// BlobEncoding is how CSV and NDJSON write BLOB values, which neither can
// hold as bytes. SQL writes them as X'..' literals.
type BlobEncoding string

// The blob encodings.
const (
	Hex    BlobEncoding = "hex"    // lower-case hexadecimal, two digits a byte
	Base64 BlobEncoding = "base64" // standard base64 with padding (RFC 4648)
)

// Stdout is the Options.Output that means "write to Options.Stdout".
const Stdout = "-"

// Options control an export.
type Options struct {
	Format Format
	// Tables restricts the export to these tables (names as SQLite
	// matches them, case-insensitively); empty means every table.
	Tables []string
	// Output is a directory, created if missing (its parent must exist),
	// or Stdout. SQL goes to one file, DIR/NAME.sql, NAME being the
	// input's base name without its extension.
	Output string
	// Stdout receives the export when Output is Stdout: SQL, or CSV and
	// NDJSON of exactly one table.
	Stdout io.Writer
	// Force replaces output files that exist.
	Force bool
	// Blobs is how CSV and NDJSON write BLOBs (default Hex).
	Blobs BlobEncoding
}

// Kinds of OptionError a caller tells apart with errors.Is.
var (
	ErrBadOption    = errors.New("export: bad option")
	ErrOutputExists = errors.New("export: output exists (use Force to replace it)")
	ErrNoSuchTable  = errors.New("export: no such table")
)

// OptionError is a mistake in Options, which the command line made: its
// message is one sentence for a person; Unwrap gives its kind
// (ErrBadOption, ErrOutputExists or ErrNoSuchTable).
type OptionError struct {
	Kind error
	Msg  string
}

func (e *OptionError) Error() string { return e.Msg }

// Unwrap returns the kind.
func (e *OptionError) Unwrap() error { return e.Kind }

func optionErrorf(kind error, format string, args ...any) error {
	return &OptionError{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Report says what was exported. It is the JSON document of `dbrescue
// export --json`: fields are only ever added.
type Report struct {
	Input  string         `json:"input"`
	Format Format         `json:"format"`
	Output string         `json:"output"` // the directory, or "-"
	Blobs  BlobEncoding   `json:"blobs,omitempty"`
	Files  []string       `json:"files,omitempty"` // every file written
	Tables []*TableReport `json:"tables"`
	Rows   int            `json:"rows"`
}

// TableReport is one table exported.
type TableReport struct {
	Name string `json:"name"`
	// File is where its rows went (for SQL, the one script).
	File    string   `json:"file"`
	Columns []string `json:"columns"`
	Rows    int      `json:"rows"`
	// LostAndFound marks rows a repair kept without knowing their table
	// (tables lost_and_found_N), DeletedRows rows it brought back from
	// free space (dbrescue_deleted_<table>).
	LostAndFound bool `json:"lost_and_found,omitempty"`
	DeletedRows  bool `json:"deleted_rows,omitempty"`
}

// DirBeside is the directory an export of db in format goes to when the
// caller names none: DB-FORMAT beside db (DB without its .db).
func DirBeside(db string, format Format) string {
	return strings.TrimSuffix(db, ".db") + "-" + string(format)
}
