package btree

import (
	"fmt"
	"io"

	"github.com/dbrescue/dbrescue/pagefile"
)

// detectSamples bounds how many pages are examined per candidate size.
const detectSamples = 512

// Detection reports what DetectGeometry saw for one candidate page size.
type Detection struct {
	PageSize   int
	Reserved   int
	Sampled    int
	ValidPages int
}

// DetectGeometry finds the page size and reserved bytes of a database whose
// header cannot be trusted. For each power of two from 512 to 65536 it
// samples pages at that size, infers the reserve from how far the cell
// content area reaches, and counts pages that pass full validation (header,
// every cell, and space accounting that adds up exactly). Only the true
// geometry validates many pages: at half the true size most samples fall
// mid-page, at double it the accounting leaves half the page unexplained.
// It returns the candidate with the most valid pages and every candidate's
// counts, or an error when no page validates at any size.
func DetectGeometry(r io.ReaderAt, size int64) (pagefile.Geometry, []Detection, error) {
	var all []Detection
	best := Detection{}
	for ps := 512; ps <= 65536; ps *= 2 {
		d := detectAt(r, size, ps)
		all = append(all, d)
		if d.ValidPages > best.ValidPages {
			best = d
		}
	}
	if best.ValidPages == 0 {
		return pagefile.Geometry{}, all, fmt.Errorf("btree: no page size from 512 to 65536 yields a valid b-tree page")
	}
	return pagefile.Geometry{PageSize: best.PageSize, Reserved: best.Reserved}, all, nil
}

func detectAt(r io.ReaderAt, size int64, ps int) Detection {
	d := Detection{PageSize: ps}
	src, err := pagefile.NewReaderSource(r, size, ps)
	if err != nil || src.PageCount() == 0 {
		return d
	}
	n := src.PageCount()
	step := max(1, n/detectSamples)
	buf := make([]byte, ps)
	var pages [][]byte
	var pgnos []uint32
	reserves := map[int]int{}
	for pgno := uint32(1); pgno <= n && pgno > 0; pgno += step {
		if err := src.ReadPage(pgno, buf); err != nil {
			continue
		}
		d.Sampled++
		// Parse with the whole page usable, then see where content ends.
		p, err := ParsePage(pgno, buf, ps)
		if err != nil || p.CellCount == 0 {
			continue
		}
		end := 0
		for i := 0; i < p.CellCount; i++ {
			c, err := p.Cell(i)
			if err != nil {
				end = -1
				break
			}
			end = max(end, c.Offset+c.Size)
		}
		if end <= 0 || ps-end > 255 {
			continue
		}
		reserves[ps-end]++
		pages = append(pages, append([]byte(nil), buf...))
		pgnos = append(pgnos, pgno)
	}
	// The most common inferred reserve wins; pages whose last cell does not
	// reach the end of the usable area (freeblocks there) vote too, for
	// larger reserves, but the true one gathers the most votes.
	for res, votes := range reserves {
		if votes > reserves[d.Reserved] || (votes == reserves[d.Reserved] && res < d.Reserved) {
			d.Reserved = res
		}
	}
	if ps-d.Reserved < 480 {
		return d
	}
	for i, img := range pages {
		p, err := ParsePage(pgnos[i], img, ps-d.Reserved)
		if err == nil && p.Validate() == nil {
			d.ValidPages++
		}
	}
	return d
}
