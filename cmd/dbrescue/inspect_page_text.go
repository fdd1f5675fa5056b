package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/dbrescue/dbrescue/inspect"
)

// writePageText prints one decoded page: what it is, then its detail.
func writePageText(w io.Writer, doc *inspect.PageDocument) error {
	p := &textPrinter{w: w}
	pg := &doc.Page
	p.printf("Page %d of %d in %s: %s", pg.Pgno, doc.Geometry.PageCount, doc.Path, pg.Kind)
	if pg.Tree != nil {
		p.printf(", in %s %q (root page %d)", clean(pg.Tree.Type), pg.Tree.Name, pg.Tree.RootPage)
	}
	if pg.OrphanRoot != 0 {
		p.printf(", in the orphan tree topped by page %d", pg.OrphanRoot)
	}
	p.printf("\n")
	if pg.FromWAL {
		p.printf("  image read from the WAL (newest committed frame)\n")
	}
	if pg.FromJournal {
		p.printf("  image read from the hot journal (the page before the interrupted transaction)\n")
	}
	if pg.Note != "" {
		p.printf("  %s\n", pg.Note)
	}
	if pg.BTreeError != "" {
		p.printf("  does not parse as a b-tree page: %s\n", pg.BTreeError)
	}
	switch {
	case pg.BTree != nil:
		printBtreePage(p, pg.BTree)
	case pg.FreelistTrunk != nil:
		t := pg.FreelistTrunk
		p.printf("  next trunk %d, %d leaves listed\n", t.NextTrunk, t.LeafCount)
		if len(t.Leaves) > 0 {
			p.printf("  leaves: %s\n", listedPages.Format(t.Leaves))
		}
	case pg.Overflow != nil:
		p.printf("  next overflow page %d\n", pg.Overflow.NextPage)
	case pg.Ptrmap != nil:
		printPtrmap(p, pg.Ptrmap)
	}
	if pg.HexDump != "" {
		p.printf("  first %d bytes:\n", len(pg.HexDump)/2)
		printHexDump(p, pg.HexDump)
	}
	return p.err
}

func printBtreePage(p *textPrinter, b *inspect.BTreePage) {
	p.printf("  header at offset %d: type %s (%#02x), %d cells, content area from %d, first freeblock %d, %d fragmented bytes",
		b.HeaderOffset, b.Type, b.TypeByte, b.CellCount, b.ContentStart, b.FirstFreeblock, b.FragmentedBytes)
	if b.RightChild != 0 {
		p.printf(", right child %d", b.RightChild)
	}
	p.printf("\n")
	s := &b.Space
	p.printf("  space: %d bytes in cells, %d unallocated, %d in %d freeblocks, %d fragmented; %d free\n",
		s.CellBytes, s.Gap, s.FreeblockBytes, len(s.Freeblocks), s.Fragmented, s.Free)
	if s.Consistent {
		p.printf("  space accounting adds up\n")
	} else {
		p.printf("  space accounting does not add up: %s\n", s.Error)
	}
	for _, c := range b.Cells {
		printCell(p, &c)
	}
}

func printCell(p *textPrinter, c *inspect.CellReport) {
	if c.Error != "" {
		p.printf("  cell %d at %d: %s\n", c.Index, c.Offset, c.Error)
		return
	}
	p.printf("  cell %d at %d, %d bytes", c.Index, c.Offset, c.Size)
	if c.LeftChild != 0 {
		p.printf(", left child %d", c.LeftChild)
	}
	if c.Rowid != nil {
		p.printf(", rowid %d", *c.Rowid)
	}
	if c.PayloadSize > 0 || c.Values != nil {
		p.printf(", payload %d (%d local)", c.PayloadSize, c.LocalSize)
	}
	p.printf("\n")
	if c.FirstOverflow != 0 {
		chain := chainPages.Format(c.OverflowPages)
		if chain == "" {
			chain = "(none read)"
		}
		p.printf("      overflow: %s\n", chain)
	}
	if c.OverflowError != "" {
		p.printf("      overflow chain broken: %s\n", c.OverflowError)
	}
	if c.Values != nil {
		vals := make([]string, len(c.Values))
		for i, v := range c.Values {
			vals[i] = valueText(v)
		}
		p.printf("      (%s)\n", strings.Join(vals, ", "))
	}
	if c.RecordError != "" {
		p.printf("      record: %s\n", c.RecordError)
	}
}

func printPtrmap(p *textPrinter, pm *inspect.PtrmapReport) {
	tw := p.table()
	fmt.Fprintf(tw, "  PAGE\tTYPE\tPARENT\n")
	for _, e := range pm.Entries {
		fmt.Fprintf(tw, "  %d\t%s (%d)\t%d\n", e.Pgno, e.TypeName, e.Type, e.Parent)
	}
	p.flush(tw)
}

// printHexDump prints hex-encoded bytes 16 to a line, with offsets and the
// printable characters beside them, like hexdump -C.
func printHexDump(p *textPrinter, hexBytes string) {
	b, err := hex.DecodeString(hexBytes)
	if err != nil {
		p.printf("    %s\n", hexBytes)
		return
	}
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		var ascii strings.Builder
		for _, c := range line {
			if c >= 0x20 && c < 0x7f {
				ascii.WriteByte(c)
			} else {
				ascii.WriteByte('.')
			}
		}
		p.printf("    %04x  % x  |%s|\n", off, line, ascii.String())
	}
}
