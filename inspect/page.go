package inspect

// hexDumpBytes is how much of a page that is not a b-tree page is shown.
const hexDumpBytes = 64

// PageDocument is what `inspect --page N --json` writes (see the contract
// at the top of report.go).
type PageDocument struct {
	Path     string         `json:"path"`
	Geometry GeometryReport `json:"geometry"`
	Page     PageReport     `json:"page"`
}

// PageReport is one page decoded as what it is used for. Exactly one of
// the detail objects is present for kinds that have one; HexDump is given
// whenever the page is not decoded as a b-tree page.
type PageReport struct {
	Pgno uint32   `json:"pgno"`
	Kind string   `json:"kind"`
	Tree *TreeRef `json:"tree,omitempty"` // the b-tree a walk reached the page from
	// OrphanRoot is the topmost page of the orphan tree the page belongs
	// to, when no tree sqlite_master names reaches it; 0 otherwise.
	OrphanRoot uint32 `json:"orphan_root,omitempty"`
	FromWAL    bool   `json:"from_wal"` // the image comes from a committed WAL frame
	// FromJournal is true when the image is the hot journal's: the page
	// as it was before the interrupted transaction.
	FromJournal bool       `json:"from_journal"`
	Note        string     `json:"note,omitempty"` // a sentence for humans
	BTree       *BTreePage `json:"btree,omitempty"`
	// BTreeError says why a page that should be a b-tree page did not parse.
	BTreeError    string               `json:"btree_error,omitempty"`
	FreelistTrunk *FreelistTrunkReport `json:"freelist_trunk,omitempty"`
	Overflow      *OverflowPageReport  `json:"overflow,omitempty"`
	Ptrmap        *PtrmapReport        `json:"ptrmap,omitempty"`
	HexDump       string               `json:"hex_dump,omitempty"` // first 64 bytes, lower-case hex
}

// TreeRef names a b-tree from sqlite_master.
type TreeRef struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	RootPage int64  `json:"rootpage"`
}

// BTreePage is a b-tree page header, its space accounting and its cells.
type BTreePage struct {
	Type            string       `json:"type"`
	TypeByte        int          `json:"type_byte"`
	HeaderOffset    int          `json:"header_offset"`
	FirstFreeblock  int          `json:"first_freeblock"`
	CellCount       int          `json:"cell_count"`
	ContentStart    int          `json:"content_start"`
	FragmentedBytes int          `json:"fragmented_bytes"`
	RightChild      uint32       `json:"right_child"` // interior pages; 0 on leaves
	Space           SpaceReport  `json:"space"`
	Cells           []CellReport `json:"cells"`
}

// SpaceReport accounts for every byte of the cell content area
// (btree.Page.Space). Consistent is false when the accounting does not add
// up; Error says where it failed.
type SpaceReport struct {
	Gap            int               `json:"gap"`
	CellBytes      int               `json:"cell_bytes"`
	Freeblocks     []FreeblockReport `json:"freeblocks"`
	FreeblockBytes int               `json:"freeblock_bytes"`
	Fragmented     int               `json:"fragmented"`
	Free           int               `json:"free"`
	Consistent     bool              `json:"consistent"`
	Error          string            `json:"error,omitempty"`
}

// FreeblockReport is one freeblock of the cell content area.
type FreeblockReport struct {
	Offset int `json:"offset"`
	Size   int `json:"size"`
}

// CellReport is one cell: its place on the page, its keys, its payload
// split between page and overflow chain, and its record decoded. Rowid is
// present for table cells only.
type CellReport struct {
	Index         int      `json:"index"`
	Offset        int      `json:"offset"`
	Size          int      `json:"size"`
	LeftChild     uint32   `json:"left_child"`
	Rowid         *int64   `json:"rowid,omitempty"`
	PayloadSize   int64    `json:"payload_size"`
	LocalSize     int      `json:"local_size"`
	FirstOverflow uint32   `json:"first_overflow"`
	OverflowPages []uint32 `json:"overflow_pages,omitempty"`
	OverflowError string   `json:"overflow_error,omitempty"`
	Values        []Value  `json:"values,omitempty"`
	RecordError   string   `json:"record_error,omitempty"`
	Error         string   `json:"error,omitempty"` // the cell itself did not parse
}

// FreelistTrunkReport is a freelist trunk page: the next trunk and the
// leaves it lists (as many as fit in a page, whatever the count claims).
type FreelistTrunkReport struct {
	NextTrunk uint32   `json:"next_trunk"`
	LeafCount uint32   `json:"leaf_count"` // as stored
	Leaves    []uint32 `json:"leaves"`
}

// OverflowPageReport is an overflow page: where its chain goes next.
type OverflowPageReport struct {
	NextPage uint32 `json:"next_page"` // 0 ends the chain
}

// PtrmapReport lists the pointer-map entries a ptrmap page holds.
type PtrmapReport struct {
	Entries []PtrmapEntryReport `json:"entries"`
}

// PtrmapEntryReport is one pointer-map entry: the page it is for, its
// type (as stored, and named by pagefile.PtrmapTypeName) and its parent.
type PtrmapEntryReport struct {
	Pgno     uint32 `json:"pgno"`
	Type     int    `json:"type"`
	TypeName string `json:"type_name"`
	Parent   uint32 `json:"parent"`
}
