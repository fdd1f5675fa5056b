package main

import (
	"encoding/binary"
	"encoding/hex"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// hexDumpBytes is how much of a page that is not a b-tree page is shown.
const hexDumpBytes = 64

// pageDocument is what `inspect --page N --json` writes (see the contract
// at the top of inspect_report.go).
type pageDocument struct {
	Path     string         `json:"path"`
	Geometry geometryReport `json:"geometry"`
	Page     pageReport     `json:"page"`
}

// pageReport is one page decoded as what it is used for. Exactly one of
// the detail objects is present for kinds that have one; HexDump is given
// whenever the page is not decoded as a b-tree page.
type pageReport struct {
	Pgno    uint32   `json:"pgno"`
	Kind    string   `json:"kind"`
	Tree    *treeRef `json:"tree,omitempty"` // the b-tree a walk reached the page from
	FromWAL bool     `json:"from_wal"`       // the image comes from a committed WAL frame
	// FromJournal is true when the image is the hot journal's: the page
	// as it was before the interrupted transaction.
	FromJournal bool       `json:"from_journal"`
	Note        string     `json:"note,omitempty"` // a sentence for humans
	BTree       *btreePage `json:"btree,omitempty"`
	// BTreeError says why a page that should be a b-tree page did not parse.
	BTreeError    string               `json:"btree_error,omitempty"`
	FreelistTrunk *freelistTrunkReport `json:"freelist_trunk,omitempty"`
	Overflow      *overflowPageReport  `json:"overflow,omitempty"`
	Ptrmap        *ptrmapReport        `json:"ptrmap,omitempty"`
	HexDump       string               `json:"hex_dump,omitempty"` // first 64 bytes, lower-case hex
}

// treeRef names a b-tree from sqlite_master.
type treeRef struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	RootPage int64  `json:"rootpage"`
}

// btreePage is a b-tree page header, its space accounting and its cells.
type btreePage struct {
	Type            string       `json:"type"`
	TypeByte        int          `json:"type_byte"`
	HeaderOffset    int          `json:"header_offset"`
	FirstFreeblock  int          `json:"first_freeblock"`
	CellCount       int          `json:"cell_count"`
	ContentStart    int          `json:"content_start"`
	FragmentedBytes int          `json:"fragmented_bytes"`
	RightChild      uint32       `json:"right_child"` // interior pages; 0 on leaves
	Space           spaceReport  `json:"space"`
	Cells           []cellReport `json:"cells"`
}

// spaceReport accounts for every byte of the cell content area
// (btree.Page.Space). Consistent is false when the accounting does not add
// up; Error says where it failed.
type spaceReport struct {
	Gap            int               `json:"gap"`
	CellBytes      int               `json:"cell_bytes"`
	Freeblocks     []freeblockReport `json:"freeblocks"`
	FreeblockBytes int               `json:"freeblock_bytes"`
	Fragmented     int               `json:"fragmented"`
	Free           int               `json:"free"`
	Consistent     bool              `json:"consistent"`
	Error          string            `json:"error,omitempty"`
}

type freeblockReport struct {
	Offset int `json:"offset"`
	Size   int `json:"size"`
}

// cellReport is one cell: its place on the page, its keys, its payload
// split between page and overflow chain, and its record decoded. Rowid is
// present for table cells only.
type cellReport struct {
	Index         int           `json:"index"`
	Offset        int           `json:"offset"`
	Size          int           `json:"size"`
	LeftChild     uint32        `json:"left_child"`
	Rowid         *int64        `json:"rowid,omitempty"`
	PayloadSize   int64         `json:"payload_size"`
	LocalSize     int           `json:"local_size"`
	FirstOverflow uint32        `json:"first_overflow"`
	OverflowPages []uint32      `json:"overflow_pages,omitempty"`
	OverflowError string        `json:"overflow_error,omitempty"`
	Values        []valueReport `json:"values,omitempty"`
	RecordError   string        `json:"record_error,omitempty"`
	Error         string        `json:"error,omitempty"` // the cell itself did not parse
}

// freelistTrunkReport is a freelist trunk page: the next trunk and the
// leaves it lists (as many as fit in a page, whatever the count claims).
type freelistTrunkReport struct {
	NextTrunk uint32   `json:"next_trunk"`
	LeafCount uint32   `json:"leaf_count"` // as stored
	Leaves    []uint32 `json:"leaves"`
}

// overflowPageReport is an overflow page: where its chain goes next.
type overflowPageReport struct {
	NextPage uint32 `json:"next_page"` // 0 ends the chain
}

// ptrmapReport lists the pointer-map entries a ptrmap page holds.
type ptrmapReport struct {
	Entries []ptrmapEntryReport `json:"entries"`
}

type ptrmapEntryReport struct {
	Pgno     uint32 `json:"pgno"`
	Type     int    `json:"type"`
	TypeName string `json:"type_name"`
	Parent   uint32 `json:"parent"`
}

// buildPageDocument decodes page pgno (1 ≤ pgno ≤ page count) as what the
// inspection found it to be.
func buildPageDocument(in *inspection, pgno uint32) *pageDocument {
	f := in.db.File
	class := in.pages[pgno-1]
	pr := pageReport{Pgno: pgno, Kind: string(class.Kind), FromWAL: f.WAL != nil && f.WAL.Has(pgno)}
	pr.FromJournal = !pr.FromWAL && f.Journal != nil && f.Journal.Has(pgno)
	if class.Tree >= 0 {
		t := in.trees[class.Tree]
		pr.Tree = &treeRef{Type: t.Type, Name: t.Name, RootPage: t.Root}
	}
	doc := &pageDocument{Path: in.db.Path, Geometry: newGeometryReport(in.db), Page: pr}
	data, err := f.Page(pgno)
	if err != nil {
		doc.Page.Note = "the page cannot be read: " + err.Error()
		return doc
	}
	describePage(&doc.Page, in.r, class.Kind, data, f.Usable())
	return doc
}

// describePage fills in the detail for the page's kind.
func describePage(pr *pageReport, r *btree.Reader, kind pageKind, data []byte, usable int) {
	switch kind {
	case kindFreelistTrunk:
		pr.FreelistTrunk = newFreelistTrunkReport(data, usable)
	case kindOverflow:
		pr.Note = "holds the continuation of a payload too large for its cell"
		pr.Overflow = &overflowPageReport{NextPage: binary.BigEndian.Uint32(data)}
	case kindPtrmap:
		pr.Ptrmap = newPtrmapReport(pr.Pgno, data, usable, r.Source().PageCount())
	case kindLockByte:
		pr.Note = "holds file offset 1 GiB, where SQLite takes its locks; it never holds data"
	case kindZero:
		pr.Note = "every byte is zero"
	case kindUnknown:
		pr.Note = "not reached from the schema or the freelist, and not a b-tree page"
	case kindFreelistLeaf:
		// A free page keeps whatever it held before it was freed, often
		// rows a repair can still use.
		pr.Note = "free page; it may still hold the rows of a page freed earlier"
	}
	if isBtreeKind(kind) || kind == kindFreelistLeaf {
		p, err := btree.ParsePage(pr.Pgno, data, usable)
		switch {
		case err == nil:
			pr.BTree = newBtreePage(r, p)
			return
		case kind != kindFreelistLeaf:
			pr.BTreeError = err.Error()
		}
	}
	pr.HexDump = hex.EncodeToString(data[:min(hexDumpBytes, len(data))])
}

func newBtreePage(r *btree.Reader, p *btree.Page) *btreePage {
	bp := &btreePage{
		Type:            p.Type.String(),
		TypeByte:        int(p.Type),
		HeaderOffset:    p.HeaderOffset,
		FirstFreeblock:  p.FirstFreeblock,
		CellCount:       p.CellCount,
		ContentStart:    p.ContentStart,
		FragmentedBytes: p.Fragmented,
		RightChild:      p.RightChild,
		Cells:           []cellReport{},
	}
	sp, err := p.Space()
	bp.Space = spaceReport{
		Gap:            sp.Gap,
		CellBytes:      sp.CellBytes,
		Freeblocks:     []freeblockReport{},
		FreeblockBytes: sp.FreeblockBytes,
		Fragmented:     sp.Fragmented,
		Free:           sp.Free(),
		Consistent:     err == nil,
	}
	if err != nil {
		bp.Space.Error = err.Error()
	}
	for _, fb := range sp.Freeblocks {
		bp.Space.Freeblocks = append(bp.Space.Freeblocks, freeblockReport{Offset: fb.Offset, Size: fb.Size})
	}
	for i := 0; i < p.CellCount; i++ {
		bp.Cells = append(bp.Cells, newCellReport(r, p, i))
	}
	return bp
}

// newCellReport decodes cell i, following its overflow chain and decoding
// its record. Each step that fails is reported and the rest still shown:
// a truncated chain still yields the values that fit.
func newCellReport(r *btree.Reader, p *btree.Page, i int) cellReport {
	c, err := p.Cell(i)
	if err != nil {
		cr := cellReport{Index: i, Error: err.Error()}
		if off, oerr := p.CellOffset(i); oerr == nil {
			cr.Offset = off
		}
		return cr
	}
	cr := cellReport{
		Index:         i,
		Offset:        c.Offset,
		Size:          c.Size,
		LeftChild:     c.LeftChild,
		PayloadSize:   c.PayloadSize,
		LocalSize:     len(c.Local),
		FirstOverflow: c.Overflow,
	}
	if p.Type.Table() {
		rowid := c.Rowid
		cr.Rowid = &rowid
	}
	if p.Type == btree.TableInterior {
		return cr // interior table cells hold a key and a child, no payload
	}
	payload, chain, err := r.Payload(c)
	cr.OverflowPages = chain
	if err != nil {
		cr.OverflowError = err.Error()
	}
	values, err := r.Record(payload)
	if err != nil {
		cr.RecordError = err.Error()
	}
	for _, v := range values {
		cr.Values = append(cr.Values, newValueReport(v))
	}
	return cr
}

func newFreelistTrunkReport(data []byte, usable int) *freelistTrunkReport {
	tr := &freelistTrunkReport{
		NextTrunk: binary.BigEndian.Uint32(data[0:]),
		LeafCount: binary.BigEndian.Uint32(data[4:]),
		Leaves:    []uint32{},
	}
	n := min(int64(tr.LeafCount), int64(usable/4-2))
	for i := range int(n) {
		tr.Leaves = append(tr.Leaves, binary.BigEndian.Uint32(data[8+4*i:]))
	}
	return tr
}

// newPtrmapReport decodes the entries of pointer-map page pgno: one per
// following page, up to the end of the database or of the usable area.
func newPtrmapReport(pgno uint32, data []byte, usable int, count uint32) *ptrmapReport {
	pr := &ptrmapReport{Entries: []ptrmapEntryReport{}}
	for i := 0; 5*i+5 <= usable; i++ {
		p := pgno + 1 + uint32(i)
		if p > count || p < pgno {
			break
		}
		t := data[5*i]
		pr.Entries = append(pr.Entries, ptrmapEntryReport{
			Pgno: p, Type: int(t), TypeName: ptrmapTypeName(t), Parent: binary.BigEndian.Uint32(data[5*i+1:]),
		})
	}
	return pr
}

func ptrmapTypeName(t byte) string {
	switch t {
	case pagefile.PtrmapRootPage:
		return "root"
	case pagefile.PtrmapFreePage:
		return "free"
	case pagefile.PtrmapOverflow1:
		return "overflow-first"
	case pagefile.PtrmapOverflow2:
		return "overflow-next"
	case pagefile.PtrmapBtree:
		return "btree"
	}
	return "invalid"
}
