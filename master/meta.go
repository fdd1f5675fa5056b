package master

// Meta is a metadata backup: everything a repair needs that lives in
// fragile places (page 1, sqlite_master, interior pages), captured from one
// consistent snapshot of a healthy database.
type Meta struct {
	// CapturedAt is the capture time in Unix nanoseconds.
	CapturedAt int64
	// Source is the database path the capture was taken from.
	Source string
	// SQLiteVersion is sqlite_version() of the capturing library.
	SQLiteVersion string
	// SchemaOnly is set when page lists were not captured.
	SchemaOnly bool
	// PagesReadFrom says how the page lists were read: ReadFromFile,
	// ReadFromWAL or ReadFromDBPage; empty when SchemaOnly.
	PagesReadFrom string
	Header        Header
	Fingerprint   Fingerprint
	// Schema holds every sqlite_master row in rowid order, including
	// views and triggers (RootPage 0) and autoindexes (SQL empty).
	Schema    []SchemaRow
	Sequences []Sequence
	Tables    []Table
	Indexes   []Index
	// Trees lists the pages of every b-tree: sqlite_master (root 1),
	// tables, WITHOUT ROWID tables and indexes. Empty when SchemaOnly.
	Trees []Tree
}

// Header holds the database header fields a repair needs.
type Header struct {
	PageSize          int
	ReservedBytes     int
	TextEncoding      uint32 // 1 UTF-8, 2 UTF-16le, 3 UTF-16be
	AutoVacuum        uint32 // 0 none, 1 full, 2 incremental
	UserVersion       uint32
	ApplicationID     uint32
	SchemaCookie      uint32
	FileChangeCounter uint32
	PageCount         uint32
	FreelistCount     uint32
	JournalMode       string
}

// SchemaRow is one row of sqlite_master.
type SchemaRow struct {
	Type     string
	Name     string
	TblName  string
	RootPage uint32
	SQL      string // empty for autoindexes, whose sql is NULL
}

// Sequence is one row of sqlite_sequence (AUTOINCREMENT counters).
type Sequence struct {
	Name string
	Seq  int64
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
	Name       string
	DeclType   string
	Affinity   Affinity
	NotNull    bool
	HasDefault bool
	Default    string // the DEFAULT expression's text, when HasDefault
	PK         int    // position in the PRIMARY KEY, from 1; 0 if not part of it
	Hidden     int
}

// Table describes a table's columns and how its rows are stored.
type Table struct {
	Name         string
	WithoutRowid bool
	Strict       bool
	// RowidAlias is the index of the INTEGER PRIMARY KEY column, whose
	// value is the rowid and is stored as NULL in the record; -1 if none.
	RowidAlias int
	Columns    []Column
	// RecordOrder lists column indexes in the order their values appear in
	// a record: declaration order without VIRTUAL generated columns for
	// rowid tables; the PRIMARY KEY columns first for WITHOUT ROWID.
	RecordOrder []int
}

// IndexColumn is one entry of PRAGMA index_xinfo.
type IndexColumn struct {
	Cid  int // table column index; -1 the rowid, -2 an expression
	Name string
	Desc bool
	Coll string
	Key  bool // false for the trailing columns that are not part of the key
}

// Index describes an index, or the PRIMARY KEY b-tree of a WITHOUT ROWID
// table, as PRAGMA index_list and index_xinfo report it.
type Index struct {
	Name    string
	Table   string
	Unique  bool
	Origin  string // "c" CREATE INDEX, "u" UNIQUE constraint, "pk" PRIMARY KEY
	Partial bool
	Columns []IndexColumn
}

// Tree kinds.
const (
	TreeTable = "table"
	TreeIndex = "index"
)

// Leaf is a leaf page with the CRC32C (Castagnoli) of its whole image.
type Leaf struct {
	Pgno uint32
	CRC  uint32
}

// Tree lists the pages of one b-tree by kind, each in walk order.
type Tree struct {
	Name     string // sqlite_master for root 1
	Root     uint32
	Kind     string // TreeTable or TreeIndex
	Interior []uint32
	Leaves   []Leaf
	Overflow []uint32
}

// Fingerprint identifies the state of the database files cheaply, without
// reading their content, so that an unchanged database can be skipped.
//
// The header alone is not enough: in WAL mode SQLite does not bump the file
// change counter, and once the WAL is checkpointed and deleted a changed
// database can have a byte-identical header. Sizes and modification times
// of the database and its WAL, with the WAL header, catch that.
type Fingerprint struct {
	DBHeader   []byte // the first 100 bytes of the database file
	DBSize     int64
	DBModNano  int64
	WALSize    int64 // 0 when there is no WAL
	WALModNano int64
	WALHeader  []byte // the first 32 bytes of the WAL, when there is one
}
