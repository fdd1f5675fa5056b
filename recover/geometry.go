package recover

import (
	"io"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Where a repair's page geometry came from.
const (
	GeometryFromHeader    = "header"
	GeometryFromMeta      = "meta"
	GeometryFromDetection = "detected"
)

// chooseGeometry decides the page size and reserve. The header is trusted
// only when the pages agree with it: a header can be damaged into another
// valid page size, and then reading at that size finds no valid pages.
// Detection validates samples at every size, so a candidate (the header's
// geometry first, then the metadata backup's) is taken when it validates
// at least as many pages as the best size found; otherwise the best wins.
// A database too small for any page to validate keeps the first candidate.
func chooseGeometry(r io.ReaderAt, size int64, hdr *pagefile.Header, meta *master.Meta) (pagefile.Geometry, string, error) {
	type candidate struct {
		g    pagefile.Geometry
		from string
	}
	var cands []candidate
	if hdr != nil && hdr.UsableSize() != 0 {
		cands = append(cands, candidate{pagefile.Geometry{PageSize: hdr.PageSize, Reserved: hdr.ReservedBytes}, GeometryFromHeader})
	}
	if meta != nil {
		cands = append(cands, candidate{pagefile.Geometry{PageSize: meta.Header.PageSize, Reserved: meta.Header.ReservedBytes}, GeometryFromMeta})
	}
	best, dets, err := btree.DetectGeometry(r, size)
	if err != nil {
		if len(cands) > 0 {
			return cands[0].g, cands[0].from, nil
		}
		return pagefile.Geometry{}, "", err
	}
	bestValid := 0
	for _, d := range dets {
		bestValid = max(bestValid, d.ValidPages)
	}
	for _, c := range cands {
		for _, d := range dets {
			if d.PageSize == c.g.PageSize && d.ValidPages >= bestValid {
				return c.g, c.from, nil
			}
		}
	}
	return best, GeometryFromDetection, nil
}

// chooseEncoding takes the header's text encoding when the header is
// intact, else the metadata backup's, else guesses from the stored text.
func chooseEncoding(f *pagefile.File, meta *master.Meta) (uint32, string) {
	if h := f.Header; h != nil && h.Magic == pagefile.Magic && h.TextEncoding >= 1 && h.TextEncoding <= 3 {
		return h.TextEncoding, GeometryFromHeader
	}
	if meta != nil {
		return meta.Header.TextEncoding, GeometryFromMeta
	}
	return guessEncoding(f), GeometryFromDetection
}

// guessEncoding looks at text values on table leaves: UTF-16 text of
// mostly-ASCII content has a zero in every other byte, after (little-
// endian) or before (big-endian) each character.
func guessEncoding(f *pagefile.File) uint32 {
	r := btree.NewReader(f, f.Usable(), pagefile.EncodingUTF8)
	var even, odd, texts int
	for pgno := uint32(1); pgno <= f.PageCount() && texts < 200; pgno++ {
		p, err := r.Page(pgno)
		if err != nil || p.Type != btree.TableLeaf {
			continue
		}
		for i := 0; i < p.CellCount && texts < 200; i++ {
			c, err := p.Cell(i)
			if err != nil {
				continue
			}
			types, pos, err := btree.RecordHeader(c.Local)
			if err != nil {
				continue
			}
			for _, t := range types {
				n := int(btree.SerialTypeSize(t))
				if t >= 13 && t%2 == 1 && n >= 2 && pos+n <= len(c.Local) {
					texts++
					for j, b := range c.Local[pos : pos+n] {
						if b == 0 {
							if j%2 == 0 {
								even++
							} else {
								odd++
							}
						}
					}
				}
				if n > 0 {
					pos += n
				}
			}
		}
	}
	switch {
	case odd > 4*(even+1) && odd > texts:
		return pagefile.EncodingUTF16LE
	case even > 4*(odd+1) && even > texts:
		return pagefile.EncodingUTF16BE
	}
	return pagefile.EncodingUTF8
}
