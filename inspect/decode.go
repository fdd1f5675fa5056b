package inspect

import (
	"encoding/hex"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// PageRangeError is a page asked for beyond the database's pages and
// those missing beyond its end: a bad request, not damage.
type PageRangeError struct {
	Pgno, Count, Missing uint32
}

func (e *PageRangeError) Error() string {
	if e.Missing > 0 {
		return fmt.Sprintf("the database has %d pages, and %d missing beyond the end of the file", e.Count, e.Missing)
	}
	return fmt.Sprintf("the database has %d pages", e.Count)
}

// Page decodes page pgno as what the census found it to be. A page
// missing beyond the end of a truncated file is named as missing.
func (in *Inspection) Page(pgno uint32) (*PageDocument, error) {
	f, c := in.File, in.Census
	count := f.PageCount()
	if pgno == 0 || uint64(pgno) > uint64(count)+uint64(c.Missing) {
		return nil, &PageRangeError{Pgno: pgno, Count: count, Missing: c.Missing}
	}
	doc := &PageDocument{Path: in.Path, Geometry: in.geometryReport(), Page: PageReport{Pgno: pgno}}
	pr := &doc.Page
	if pgno > count {
		pr.Kind, pr.Note = KindMissing, "beyond the end of the file, which lacks it: "+c.MissingWhy
		return doc, nil
	}
	pr.Kind = Kind(c, pgno)
	pr.FromWAL = f.WAL != nil && f.WAL.Has(pgno)
	pr.FromJournal = !pr.FromWAL && f.Journal != nil && f.Journal.Has(pgno)
	p := c.Page(pgno)
	if t := c.Owner(pgno); t != nil {
		if t.From == census.FromOrphan {
			pr.OrphanRoot = t.Root
		} else {
			pr.Tree = &TreeRef{Type: t.Type, Name: t.Name, RootPage: in.storedRoot(t)}
		}
	}
	data, err := f.Page(pgno)
	if err != nil {
		pr.Note = "the page cannot be read: " + err.Error()
		return doc, nil
	}
	in.describePage(pr, p.Class, data)
	return doc, nil
}

// describePage fills in the detail for a page of class class.
func (in *Inspection) describePage(pr *PageReport, class census.Class, data []byte) {
	usable := in.File.Usable()
	switch class {
	case census.FreelistTrunk:
		t := pagefile.ParseTrunk(data, usable)
		pr.FreelistTrunk = &FreelistTrunkReport{NextTrunk: t.Next, LeafCount: t.Count, Leaves: nonNil(t.Leaves)}
	case census.Overflow:
		pr.Note = "holds the continuation of a payload too large for its cell"
		pr.Overflow = &OverflowPageReport{NextPage: btree.OverflowNext(data)}
	case census.Ptrmap:
		pr.Ptrmap = &PtrmapReport{Entries: []PtrmapEntryReport{}}
		for _, e := range pagefile.ParsePtrmapPage(pr.Pgno, data, usable, in.File.PageCount()) {
			pr.Ptrmap.Entries = append(pr.Ptrmap.Entries, PtrmapEntryReport{
				Pgno: e.Pgno, Type: int(e.Type), TypeName: pagefile.PtrmapTypeName(e.Type), Parent: e.Parent})
		}
	case census.LockByte:
		pr.Note = "holds file offset 1 GiB, where SQLite takes its locks; it never holds data"
	case census.Zero:
		pr.Note = "every byte is zero"
	case census.Unknown:
		pr.Note = "not reached from the schema or the freelist, and not a b-tree page"
	case census.FreelistLeaf:
		// A free page keeps whatever it held before it was freed, often
		// rows a repair can still use.
		pr.Note = "free page; it may still hold the rows of a page freed earlier"
	}
	if class.BTree() || class == census.FreelistLeaf {
		p, err := btree.ParsePage(pr.Pgno, data, usable)
		switch {
		case err == nil:
			pr.BTree = newBTreePage(in.reader, p)
			return
		case class != census.FreelistLeaf:
			pr.BTreeError = err.Error()
		}
	}
	pr.HexDump = hex.EncodeToString(data[:min(hexDumpBytes, len(data))])
}

func newBTreePage(r *btree.Reader, p *btree.Page) *BTreePage {
	bp := &BTreePage{
		Type:            p.Type.String(),
		TypeByte:        int(p.Type),
		HeaderOffset:    p.HeaderOffset,
		FirstFreeblock:  p.FirstFreeblock,
		CellCount:       p.CellCount,
		ContentStart:    p.ContentStart,
		FragmentedBytes: p.Fragmented,
		RightChild:      p.RightChild,
		Cells:           []CellReport{},
	}
	sp, err := p.Space()
	bp.Space = SpaceReport{
		Gap:            sp.Gap,
		CellBytes:      sp.CellBytes,
		Freeblocks:     []FreeblockReport{},
		FreeblockBytes: sp.FreeblockBytes,
		Fragmented:     sp.Fragmented,
		Free:           sp.Free(),
		Consistent:     err == nil,
	}
	if err != nil {
		bp.Space.Error = err.Error()
	}
	for _, fb := range sp.Freeblocks {
		bp.Space.Freeblocks = append(bp.Space.Freeblocks, FreeblockReport{Offset: fb.Offset, Size: fb.Size})
	}
	for i := 0; i < p.CellCount; i++ {
		bp.Cells = append(bp.Cells, newCellReport(r, p, i))
	}
	return bp
}

// newCellReport decodes cell i, following its overflow chain and decoding
// its record. Each step that fails is reported and the rest still shown:
// a truncated chain still yields the values that fit.
func newCellReport(r *btree.Reader, p *btree.Page, i int) CellReport {
	c, err := p.Cell(i)
	if err != nil {
		cr := CellReport{Index: i, Error: err.Error()}
		if off, oerr := p.CellOffset(i); oerr == nil {
			cr.Offset = off
		}
		return cr
	}
	cr := CellReport{
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
		cr.Values = append(cr.Values, NewValue(v))
	}
	return cr
}
