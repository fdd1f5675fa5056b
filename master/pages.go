package master

import (
	"context"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// PageCRC is the checksum a Leaf records: CRC32C of the whole page image,
// as the census computes it for every page.
func PageCRC(page []byte) uint32 { return census.CRC(page) }

// readAheadBytes is the largest run of pages pageLists reads at once.
const readAheadBytes = 256 << 10

// pageLists lists the pages of sqlite_master and of every b-tree the
// schema names by kind, with a CRC and the cell count of each leaf, a CRC
// of each overflow page and the tree's entry count: a projection of a
// census of the snapshot's trees (walked with overflow chains followed,
// payloads not assembled, every page checksummed in the walk's own
// buffer). The capture is of a healthy database, so any damage met, or a
// page two trees claim, is an error.
func pageLists(src pagefile.Source, usable int, encoding uint32, schema []SchemaRow) ([]Tree, error) {
	f, err := pagefile.FromSource(src, pagefile.Geometry{PageSize: src.PageSize(), Reserved: src.PageSize() - usable})
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	// Trees of appended rows lie mostly in file order: read ahead.
	r := btree.NewReader(pagefile.NewReadAhead(src, readAheadBytes), usable, encoding)
	var roots []census.Root
	for _, row := range schema {
		if row.RootPage > 0 {
			roots = append(roots, census.Root{Type: row.Type, Name: row.Name, TblName: row.TblName, Pgno: row.RootPage})
		}
	}
	c, err := census.Take(context.Background(), f, r, census.Options{Hint: census.Hint{Roots: roots}, TreesOnly: true})
	if err != nil {
		return nil, err
	}
	if len(c.Conflicts) > 0 {
		return nil, fmt.Errorf("master: %d pages are claimed by two b-trees, first: %w", len(c.Conflicts), c.Conflicts[0])
	}
	byRoot := map[uint32]*census.Tree{}
	for _, t := range c.Trees {
		if _, seen := byRoot[t.Root]; !seen && t.Walk != nil {
			byRoot[t.Root] = t
		}
	}
	named := append([]SchemaRow{{Type: "table", Name: "sqlite_master", RootPage: btree.SchemaRoot}}, schema...)
	var trees []Tree
	for _, row := range named {
		if row.RootPage == 0 {
			continue
		}
		ct := byRoot[row.RootPage]
		if ct == nil {
			return nil, fmt.Errorf("master: b-tree %q (root %d) was not walked", row.Name, row.RootPage)
		}
		if len(ct.Walk.Errors) > 0 {
			return nil, fmt.Errorf("master: b-tree %q (root %d) is damaged, %d problems, first: %w", row.Name, row.RootPage, len(ct.Walk.Errors), ct.Walk.Errors[0])
		}
		trees = append(trees, project(c, ct, row.Name))
	}
	return trees, nil
}

// project is one census tree as a metadata backup lists it.
func project(c *census.Census, ct *census.Tree, name string) Tree {
	t := Tree{Name: name, Root: ct.Root, Kind: TreeTable, Entries: int64(ct.Walk.Entries)}
	if ct.IndexTree {
		t.Kind = TreeIndex
	}
	for _, v := range ct.Walk.Pages {
		p := c.Page(v.Pgno)
		if v.Type.Leaf() {
			t.Leaves = append(t.Leaves, Leaf{Pgno: v.Pgno, CRC: p.CRC, Cells: int(p.Cells)})
		} else {
			t.Interior = append(t.Interior, v.Pgno)
		}
	}
	t.Overflow = ct.Walk.Overflow
	for _, o := range t.Overflow {
		t.OverflowCRCs = append(t.OverflowCRCs, c.Page(o).CRC)
	}
	return t
}
