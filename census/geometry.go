package census

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/sniff"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Where a geometry or an encoding came from.
const (
	FromHeader    = "header"
	FromHint      = "meta" // the caller's hint: in practice a metadata backup
	FromDetection = "detected"
)

// Hint is what the caller knows of a database beyond its own bytes, in
// practice from a metadata backup taken while it was healthy. Zero fields
// are unknown.
type Hint struct {
	PageSize  int
	Reserved  int
	Encoding  uint32
	PageCount uint32 // pages the database had
	// Roots are b-trees the caller knows of; those sqlite_master does not
	// name (page 1 lost, a schema row deleted) are walked too.
	Roots []Root
}

// Root is one b-tree the hint knows of.
type Root struct {
	Type, Name, TblName string
	Pgno                uint32
}

// Geometry is how a file is read: page size and reserve, text encoding,
// and where each came from.
type Geometry struct {
	pagefile.Geometry
	From         string // FromHeader, FromHint or FromDetection
	Encoding     uint32
	EncodingFrom string
	// Detections is what detection saw at every candidate page size.
	Detections []btree.Detection
}

// Detection returns what detection saw at the chosen page size.
func (g *Geometry) Detection() (btree.Detection, bool) {
	for _, d := range g.Detections {
		if d.PageSize == g.PageSize {
			return d, true
		}
	}
	return btree.Detection{}, false
}

// ErrNoGeometry is returned, wrapped, when neither the header, the hint
// nor the pages give a page size.
var ErrNoGeometry = errors.New("census: cannot tell the page size")

// ChooseGeometry decides the page size and reserve of the file held in r
// (size bytes), whose main-file header is hdr (nil when the file is
// shorter than a header). The header is trusted only when the pages agree
// with it: a header can be damaged into another valid page size, and then
// reading at that size finds no valid pages. Detection validates samples
// at every size, so a candidate (the header's geometry first, then the
// hint's) is taken when it validates at least as many pages as the best
// size found; otherwise the best wins. A database too small for any page
// to validate keeps the first candidate.
func ChooseGeometry(r io.ReaderAt, size int64, hdr *pagefile.Header, hint Hint) (Geometry, error) {
	type candidate struct {
		g    pagefile.Geometry
		from string
	}
	var cands []candidate
	if hdr != nil && hdr.UsableSize() != 0 {
		cands = append(cands, candidate{pagefile.Geometry{PageSize: hdr.PageSize, Reserved: hdr.ReservedBytes}, FromHeader})
	}
	if pagefile.ValidPageSize(hint.PageSize) {
		cands = append(cands, candidate{pagefile.Geometry{PageSize: hint.PageSize, Reserved: hint.Reserved}, FromHint})
	}
	best, dets, err := btree.DetectGeometry(r, size)
	if err != nil {
		if len(cands) > 0 {
			return Geometry{Geometry: cands[0].g, From: cands[0].from, Detections: dets}, nil
		}
		return Geometry{Detections: dets}, fmt.Errorf("%w: %w", ErrNoGeometry, err)
	}
	bestValid := 0
	for _, d := range dets {
		bestValid = max(bestValid, d.ValidPages)
	}
	for _, c := range cands {
		for _, d := range dets {
			if d.PageSize == c.g.PageSize && d.ValidPages >= bestValid {
				return Geometry{Geometry: c.g, From: c.from, Detections: dets}, nil
			}
		}
	}
	return Geometry{Geometry: best, From: FromDetection, Detections: dets}, nil
}

// Open opens the database at path read-only under the geometry policy:
// the page size from ChooseGeometry (po.Geometry is ignored), or from
// po.Cipher for an encrypted database, the WAL and journal as po says,
// and the text encoding from the header, else the hint, else guessed from
// the stored text.
//
// A path that is no database at all (a directory, an empty file, text,
// random bytes: nothing gives a page size) fails with a
// *sniff.NotDatabaseError saying what it is, which wraps ErrNoGeometry
// when the pages were tried.
func Open(path string, hint Hint, po pagefile.Options) (*pagefile.File, Geometry, error) {
	if _, err := sniff.Stat(path); err != nil {
		return nil, Geometry{}, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, Geometry{}, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, Geometry{}, err
	}
	g, err := chooseGeometryFor(fh, st.Size(), hint, po.Cipher)
	fh.Close()
	if errors.Is(err, ErrNoGeometry) {
		return nil, g, sniff.Describe(path, sniff.WhyNoPageSize, fmt.Errorf("%s: %w", path, err))
	}
	if err != nil {
		return nil, g, fmt.Errorf("%s: %w", path, err)
	}
	po.Geometry = &g.Geometry
	f, err := pagefile.Open(path, po)
	if err != nil {
		return nil, g, err
	}
	g.Encoding, g.EncodingFrom = chooseEncoding(f, hint)
	return f, g, nil
}

// OpenBytes is Open for a database image held in memory, without WAL or
// journal: what fuzz targets and tests of hostile images read.
func OpenBytes(db []byte, hint Hint) (*pagefile.File, Geometry, error) {
	r := bytes.NewReader(db)
	g, err := chooseFor(r, int64(len(db)), hint)
	if err != nil {
		return nil, g, err
	}
	f, err := pagefile.New(r, int64(len(db)), nil, 0, pagefile.Options{Geometry: &g.Geometry})
	if err != nil {
		return nil, g, err
	}
	g.Encoding, g.EncodingFrom = chooseEncoding(f, hint)
	return f, g, nil
}

// chooseFor is ChooseGeometry for the main file held in r (size bytes),
// its header read from r.
func chooseFor(r io.ReaderAt, size int64, hint Hint) (Geometry, error) {
	var hdr *pagefile.Header
	if size >= pagefile.HeaderSize {
		hdr, _ = pagefile.ReadHeader(r)
	}
	return ChooseGeometry(r, size, hdr, hint)
}

// chooseEncoding takes the header's text encoding when the header is
// intact, else the hint's, else guesses from the stored text.
func chooseEncoding(f *pagefile.File, hint Hint) (uint32, string) {
	if h := f.Header; h != nil && h.Magic == pagefile.Magic && h.TextEncoding >= pagefile.EncodingUTF8 && h.TextEncoding <= pagefile.EncodingUTF16BE {
		return h.TextEncoding, FromHeader
	}
	if hint.Encoding >= pagefile.EncodingUTF8 && hint.Encoding <= pagefile.EncodingUTF16BE {
		return hint.Encoding, FromHint
	}
	return guessEncoding(f), FromDetection
}

// guessSamples bounds how many text values guessEncoding looks at.
const guessSamples = 200

// guessEncoding looks at text values on table leaves: UTF-16 text of
// mostly-ASCII content has a zero in every other byte, after (little-
// endian) or before (big-endian) each character.
func guessEncoding(f *pagefile.File) uint32 {
	r := btree.NewReader(f, f.Usable(), pagefile.EncodingUTF8)
	var even, odd, texts int
	for pgno := uint32(1); pgno <= f.PageCount() && texts < guessSamples; pgno++ {
		p, err := r.Page(pgno)
		if err != nil || p.Type != btree.TableLeaf {
			continue
		}
		for i := 0; i < p.CellCount && texts < guessSamples; i++ {
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
