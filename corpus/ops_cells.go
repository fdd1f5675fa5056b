package corpus

import (
	"encoding/binary"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
)

// Damage inside a page that leaves its cells' bytes alone, or nearly: one
// field of a leaf's header (page-header), its cell pointer array
// (cell-pointers), one serial type of one record (serial-type), and a page
// of a full-text index (fts-index-page), whose content survives elsewhere.
// A reader that trusts the header loses the whole page; the cells are all
// still there.
func registerCellKinds() {
	register(KindInfo{Kind: PageHeader, Summary: "damage one field of a leaf's page header (cell count, first freeblock, content start, fragmented bytes)"}, pageHeader)
	register(KindInfo{Kind: CellPointers, Summary: "overwrite a leaf's cell pointer array with random bytes"}, cellPointers)
	register(KindInfo{Kind: SerialType, Summary: "change one serial type in the record header of one row"}, serialType)
	register(KindInfo{Kind: FTSIndexPage, Summary: "overwrite one page of a full-text index (FTS5 _data) with random bytes", NeedsSearch: true}, ftsIndexPage)
}

// The kinds of this file.
const (
	PageHeader   Kind = "page-header"
	CellPointers Kind = "cell-pointers"
	SerialType   Kind = "serial-type"
	FTSIndexPage Kind = "fts-index-page"
)

// chooseLeaf draws a leaf of an application table that holds cells.
func (o *op) chooseLeaf() (*btree.Page, string, error) {
	var leaves []pageChoice
	for _, c := range o.candidates(TargetLeaf) {
		if p, err := btree.ParsePage(c.pgno, o.im.page(c.pgno), o.usable()); err == nil && p.CellCount > 0 {
			leaves = append(leaves, c)
		}
	}
	if len(leaves) == 0 {
		return nil, "", noTarget("no leaf page with cells")
	}
	ch := pick(o.rng, leaves)
	p, err := btree.ParsePage(ch.pgno, o.im.page(ch.pgno), o.usable())
	return p, ch.what, err
}

// usable is the input's usable page size.
func (o *op) usable() int { return o.im.file.Usable() }

func pageHeader(o *op) error {
	p, what, err := o.chooseLeaf()
	if err != nil {
		return err
	}
	h := p.Data[p.HeaderOffset:]
	var field string
	switch o.rng.IntN(4) {
	case 0:
		binary.BigEndian.PutUint16(h[3:], uint16(p.CellCount+4000+o.rng.IntN(60000-p.CellCount)))
		field = fmt.Sprintf("cell count %d set to %d", p.CellCount, binary.BigEndian.Uint16(h[3:]))
	case 1:
		binary.BigEndian.PutUint16(h[1:], uint16(len(p.Data)+1+o.rng.IntN(1000)))
		field = fmt.Sprintf("first freeblock set to %d, past the page", binary.BigEndian.Uint16(h[1:]))
	case 2:
		binary.BigEndian.PutUint16(h[5:], uint16(1+o.rng.IntN(p.CellPointerEnd())))
		field = fmt.Sprintf("cell content area start set to %d, inside the header", binary.BigEndian.Uint16(h[5:]))
	default:
		h[7] = byte(61 + o.rng.IntN(195))
		field = fmt.Sprintf("fragmented bytes set to %d", h[7])
	}
	o.dmg.Targets = []uint32{p.Pgno}
	o.dmg.Summary = fmt.Sprintf("%s: %s", what, field)
	return nil
}

func cellPointers(o *op) error {
	p, what, err := o.chooseLeaf()
	if err != nil {
		return err
	}
	start := p.HeaderOffset + p.HeaderSize()
	fillRandom(o.rng, p.Data[start:p.CellPointerEnd()])
	o.dmg.Targets = []uint32{p.Pgno}
	o.dmg.Summary = fmt.Sprintf("%s: its %d cell pointers overwritten with random bytes", what, p.CellCount)
	return nil
}

// serialType changes a one-byte serial type of a record stored whole on
// its leaf to another: the row's values from that field on decode as
// something else, or not at all.
func serialType(o *op) error {
	for range 32 {
		p, what, err := o.chooseLeaf()
		if err != nil {
			return err
		}
		c, err := p.Cell(o.rng.IntN(p.CellCount))
		if err != nil || c.Overflow != 0 {
			continue
		}
		at := c.Offset
		_, n := btree.Varint(p.Data[at:]) // payload size
		at += n
		if p.Type.Table() {
			_, n = btree.Varint(p.Data[at:]) // rowid
			at += n
		}
		hdr, n := btree.Varint(p.Data[at:])
		if n == 0 || int(hdr) <= n || at+int(hdr) > len(p.Data) {
			continue
		}
		types := p.Data[at+n : at+int(hdr)]
		i := o.rng.IntN(len(types))
		if types[i] >= 0x80 || (i > 0 && types[i-1] >= 0x80) {
			continue // a byte of a multi-byte varint
		}
		old := types[i]
		for types[i] == old {
			types[i] = byte(o.rng.IntN(0x80))
		}
		o.dmg.Targets = []uint32{p.Pgno}
		o.dmg.Summary = fmt.Sprintf("%s: serial type %d of field %d of cell %d (rowid %d) changed to %d", what, old, i, c.Index, c.Rowid, types[i])
		return nil
	}
	return noTarget("no record stored whole on a leaf")
}

func ftsIndexPage(o *op) error {
	var pages []pageChoice
	for _, tr := range o.layout().Trees {
		if tr.Type != "table" || len(tr.Name) < 5 || tr.Name[len(tr.Name)-5:] != "_data" || o.layout().tree(tr.Name[:len(tr.Name)-5]+"_content") == nil {
			continue
		}
		for _, v := range tr.Pages {
			if o.im.has(v.Pgno) {
				pages = append(pages, pageChoice{v.Pgno, fmt.Sprintf("%s page %d of FTS index %s", v.Type, v.Pgno, tr.Name)})
			}
		}
	}
	if len(pages) == 0 {
		return noTarget("no FTS5 index (a database built with search)")
	}
	ch := pick(o.rng, pages)
	fillRandom(o.rng, o.im.page(ch.pgno))
	o.dmg.Targets = []uint32{ch.pgno}
	o.dmg.Summary = ch.what + " overwritten with random bytes"
	return nil
}
