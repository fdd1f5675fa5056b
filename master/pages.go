package master

import (
	"fmt"
	"hash/crc32"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// PageCRC is the checksum a Leaf records: CRC32C of the whole page image.
func PageCRC(page []byte) uint32 { return crc32.Checksum(page, castagnoli) }

// readAheadBytes is the largest run of pages pageLists reads at once.
const readAheadBytes = 256 << 10

// pageLists walks sqlite_master and every b-tree it names with the
// project's own reader and lists each tree's pages by kind, with a CRC and
// the cell count of each leaf, a CRC of each overflow page and the tree's
// entry count. Overflow chains are followed without assembling payloads,
// each page checksummed in the walk's own buffer rather than read again.
// The capture is of a healthy database, so any damage met is an error.
func pageLists(src pagefile.Source, usable int, encoding uint32, schema []SchemaRow) ([]Tree, error) {
	// Trees of appended rows lie mostly in file order: read ahead.
	r := btree.NewReader(pagefile.NewReadAhead(src, readAheadBytes), usable, encoding)
	roots := []SchemaRow{{Type: "table", Name: "sqlite_master", RootPage: btree.SchemaRoot}}
	for _, row := range schema {
		if row.RootPage > 0 {
			roots = append(roots, row)
		}
	}
	trees := make([]Tree, 0, len(roots))
	for _, row := range roots {
		t := Tree{Name: row.Name, Root: row.RootPage}
		res, err := r.WalkTree(row.RootPage, btree.WalkOptions{
			ChainsOnly: true,
			OnPage: func(p *btree.Page) {
				if p.Pgno == row.RootPage {
					t.Kind = TreeIndex
					if p.Type.Table() {
						t.Kind = TreeTable
					}
				}
				if p.Type.Leaf() {
					t.Leaves = append(t.Leaves, Leaf{Pgno: p.Pgno, CRC: PageCRC(p.Data), Cells: p.CellCount})
				} else {
					t.Interior = append(t.Interior, p.Pgno)
				}
			},
			OnOverflow: func(_ uint32, page []byte) {
				t.OverflowCRCs = append(t.OverflowCRCs, PageCRC(page))
			},
		})
		if err != nil {
			return nil, err
		}
		if len(res.Errors) > 0 {
			return nil, fmt.Errorf("master: b-tree %q (root %d) is damaged, %d problems, first: %w", row.Name, row.RootPage, len(res.Errors), res.Errors[0])
		}
		t.Overflow, t.Entries = res.Overflow, int64(res.Entries)
		trees = append(trees, t)
	}
	return trees, nil
}
