package master

import "fmt"

// Meta is a metadata backup: everything a repair needs that lives in
// fragile places (page 1, sqlite_master, interior pages), captured from one
// consistent snapshot of a healthy database.
type Meta struct {
	// CapturedAt is the capture time in Unix nanoseconds.
	CapturedAt int64 `json:"captured_at"`
	// Source is the database path the capture was taken from.
	Source string `json:"source"`
	// SQLiteVersion is sqlite_version() of the capturing library.
	SQLiteVersion string `json:"sqlite_version"`
	// SchemaOnly is set when page lists were not captured.
	SchemaOnly bool `json:"schema_only"`
	// PagesReadFrom says how the page lists were read: ReadFromFile,
	// ReadFromWAL or ReadFromDBPage; empty when SchemaOnly.
	PagesReadFrom string      `json:"pages_read_from"`
	Header        Header      `json:"header"`
	Fingerprint   Fingerprint `json:"fingerprint"`
	// Schema holds every sqlite_master row in rowid order, including
	// views and triggers (RootPage 0) and autoindexes (SQL empty).
	Schema    []SchemaRow `json:"schema"`
	Sequences []Sequence  `json:"sequences"`
	Tables    []Table     `json:"tables"`
	Indexes   []Index     `json:"indexes"`
	// Trees lists the pages of every b-tree: sqlite_master (root 1),
	// tables, WITHOUT ROWID tables and indexes. Empty when SchemaOnly.
	Trees []Tree `json:"trees"`
	// Counts says whether the trees carry their counts and overflow
	// checksums (Leaf.Cells, Tree.Entries, Tree.OverflowCRCs). It is
	// false for a backup read from a version-1 file, which recorded
	// none of them: their zeros then mean "unknown", never "no rows".
	Counts bool `json:"counts"`

	// CipherSalt is the salt of an encrypted database (its first 16
	// bytes, stored in clear: not secret), captured with Options.Cipher:
	// with it, the key opens the database again after page 1, salt and
	// all, is destroyed. Nil for a plain database.
	CipherSalt []byte `json:"cipher_salt,omitempty"`
}

// Header holds the database header fields a repair needs.
type Header struct {
	PageSize          int    `json:"page_size"`
	ReservedBytes     int    `json:"reserved_bytes"`
	TextEncoding      uint32 `json:"text_encoding"` // 1 UTF-8, 2 UTF-16le, 3 UTF-16be
	AutoVacuum        uint32 `json:"auto_vacuum"`   // 0 none, 1 full, 2 incremental
	UserVersion       uint32 `json:"user_version"`
	ApplicationID     uint32 `json:"application_id"`
	SchemaCookie      uint32 `json:"schema_cookie"`
	FileChangeCounter uint32 `json:"file_change_counter"`
	PageCount         uint32 `json:"page_count"`
	FreelistCount     uint32 `json:"freelist_count"`
	JournalMode       string `json:"journal_mode"`
}

// SchemaRow is one row of sqlite_master.
type SchemaRow struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	TblName  string `json:"tbl_name"`
	RootPage uint32 `json:"root_page"`
	SQL      string `json:"sql"` // empty for autoindexes, whose sql is NULL
}

// Sequence is one row of sqlite_sequence (AUTOINCREMENT counters).
type Sequence struct {
	Name string `json:"name"`
	Seq  int64  `json:"seq"`
}

// Affinity is a column's type affinity.
type Affinity byte

// Column affinities, as SQLite derives them from the declared type.
const (
	AffinityBlob    Affinity = 'A' // also "no affinity"
	AffinityText    Affinity = 'B'
	AffinityNumeric Affinity = 'C'
	AffinityInteger Affinity = 'D'
	AffinityReal    Affinity = 'E'
)

// MarshalText names the affinity in JSON.
func (a Affinity) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads an affinity name.
func (a *Affinity) UnmarshalText(b []byte) error {
	for _, v := range []Affinity{AffinityBlob, AffinityText, AffinityNumeric, AffinityInteger, AffinityReal} {
		if v.String() == string(b) {
			*a = v
			return nil
		}
	}
	return fmt.Errorf("unknown affinity %q", b)
}

func (a Affinity) String() string {
	switch a {
	case AffinityText:
		return "TEXT"
	case AffinityNumeric:
		return "NUMERIC"
	case AffinityInteger:
		return "INTEGER"
	case AffinityReal:
		return "REAL"
	}
	return "BLOB"
}

// Hidden values of PRAGMA table_xinfo.
const (
	ColumnNormal           = 0
	ColumnHidden           = 1 // hidden column of a virtual table
	ColumnGeneratedVirtual = 2 // generated VIRTUAL: not stored in the record
	ColumnGeneratedStored  = 3 // generated STORED: stored in the record
)

// Column is one column as SQLite's PRAGMA table_xinfo reports it.
type Column struct {
	Name       string   `json:"name"`
	DeclType   string   `json:"decl_type"`
	Affinity   Affinity `json:"affinity"`
	NotNull    bool     `json:"not_null"`
	HasDefault bool     `json:"has_default"`
	Default    string   `json:"default"` // the DEFAULT expression's text, when HasDefault
	PK         int      `json:"pk"`      // position in the PRIMARY KEY, from 1; 0 if not part of it
	Hidden     int      `json:"hidden"`
}

// Table describes a table's columns and how its rows are stored.
type Table struct {
	Name         string `json:"name"`
	WithoutRowid bool   `json:"without_rowid"`
	Strict       bool   `json:"strict"`
	// RowidAlias is the index of the INTEGER PRIMARY KEY column, whose
	// value is the rowid and is stored as NULL in the record; -1 if none.
	RowidAlias int      `json:"rowid_alias"`
	Columns    []Column `json:"columns"`
	// RecordOrder lists column indexes in the order their values appear in
	// a record: declaration order without VIRTUAL generated columns for
	// rowid tables; the PRIMARY KEY columns first for WITHOUT ROWID.
	RecordOrder []int `json:"record_order"`
}

// IndexColumn is one entry of PRAGMA index_xinfo.
type IndexColumn struct {
	Cid  int    `json:"cid"` // table column index; -1 the rowid, -2 an expression
	Name string `json:"name"`
	Desc bool   `json:"desc"`
	Coll string `json:"coll"`
	Key  bool   `json:"key"` // false for the trailing columns that are not part of the key
}

// Index describes an index, or the PRIMARY KEY b-tree of a WITHOUT ROWID
// table, as PRAGMA index_list and index_xinfo report it.
type Index struct {
	Name    string        `json:"name"`
	Table   string        `json:"table"`
	Unique  bool          `json:"unique"`
	Origin  string        `json:"origin"` // "c" CREATE INDEX, "u" UNIQUE constraint, "pk" PRIMARY KEY
	Partial bool          `json:"partial"`
	Columns []IndexColumn `json:"columns"`
}

// Tree kinds.
const (
	TreeTable = "table"
	TreeIndex = "index"
)

// Leaf is a leaf page with the CRC32C (Castagnoli) of its whole image.
type Leaf struct {
	Pgno uint32 `json:"pgno"`
	CRC  uint32 `json:"crc"`
	// Cells is the page's cell count (rows of a table leaf, entries of
	// an index leaf), so that a repair which loses the page knows how
	// many it lost. 0 unless Meta.Counts.
	Cells int `json:"cells"`
}

// Tree lists the pages of one b-tree by kind, each in walk order.
type Tree struct {
	Name     string   `json:"name"` // sqlite_master for root 1
	Root     uint32   `json:"root"`
	Kind     string   `json:"kind"` // TreeTable or TreeIndex
	Interior []uint32 `json:"interior"`
	Leaves   []Leaf   `json:"leaves"`
	Overflow []uint32 `json:"overflow"`
	// OverflowCRCs holds the PageCRC of each page of Overflow, in the
	// same order: an overflow page overwritten since the capture would
	// otherwise pass for the tail of a complete row. Empty unless
	// Meta.Counts.
	OverflowCRCs []uint32 `json:"overflow_crcs"`
	// Entries is the number of entries a full walk meets: rows of a
	// table b-tree (its leaf cells), entries of an index b-tree (whose
	// interior cells carry entries too). 0 unless Meta.Counts.
	Entries int64 `json:"entries"`
}

// Fingerprint identifies the state of the database files cheaply, without
// reading their content, so that an unchanged database can be skipped.
//
// The header alone is not enough: in WAL mode SQLite does not bump the file
// change counter, and once the WAL is checkpointed and deleted a changed
// database can have a byte-identical header. Sizes and modification times
// of the database and its WAL, with the WAL header, catch that.
type Fingerprint struct {
	DBHeader   []byte `json:"db_header"` // the first 100 bytes of the database file
	DBSize     int64  `json:"db_size"`
	DBModNano  int64  `json:"db_mod_nano"`
	WALSize    int64  `json:"wal_size"` // 0 when there is no WAL
	WALModNano int64  `json:"wal_mod_nano"`
	WALHeader  []byte `json:"wal_header"` // the first 32 bytes of the WAL, when there is one
}
