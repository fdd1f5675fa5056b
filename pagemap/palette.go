package pagemap

import (
	"fmt"
	"math"

	"github.com/dbrescue/dbrescue/census"
)

// maxTreeColours bounds how many b-trees get a colour of their own; the
// trees after them share one ("other b-trees"), so that the legend of a
// database with thousands of tables stays readable. Tooltips always name
// the exact owner.
const maxTreeColours = 200

// paint is what a cell's fill means: the key that ties it to its legend
// entry, the colour, and the words and data the legend shows.
type paint struct {
	key   string // data-k: the legend entry
	fill  string
	class string // data-class: the census class, or "missing"
	owner string // data-tree: a tree's index, "orphan", "other", or ""
	label string
	rank  int // the legend's order: trees in census order, each class in census order, then the rest
}

// Legend ranks: a tree's colour is slot*rankTree plus its class.
const (
	rankTree    = 32
	rankOrphan  = maxTreeColours * rankTree
	rankOther   = rankOrphan + rankTree
	rankFixed   = rankOther + rankTree
	rankMissing = rankFixed + rankTree
)

// palette gives every look its paint. The b-trees sqlite_master (or a
// metadata backup) names get colours in census order, the same for every
// map of one file; orphan trees share one family of colours, and each
// class a tree's pages can have is a shade of the tree's colour: interior
// pages dark, leaves middle, overflow pages light.
type palette struct {
	s     *survey
	slot  map[int32]int // tree index → colour
	trees int
	made  map[look]paint // paints given, by look without outcome and problem
}

func newPalette(s *survey) *palette {
	p := &palette{s: s, slot: map[int32]int{}, made: map[look]paint{}}
	for _, t := range s.c.Trees {
		if t.From != census.FromOrphan && p.trees < maxTreeColours {
			p.slot[int32(t.Index)] = p.trees
			p.trees++
		}
	}
	return p
}

// fixedPaints colour the pages no tree owns, and the lost ones.
var fixedPaints = map[census.Class]struct{ fill, label string }{
	census.FreelistTrunk: {"#8a8a8a", "freelist trunk page"},
	census.FreelistLeaf:  {"#cccccc", "freelist leaf page (free; may hold old rows)"},
	census.Ptrmap:        {"#c9b46a", "pointer-map page"},
	census.LockByte:      {"#111111", "lock-byte page (never holds data)"},
	census.Zero:          {"#ffffff", "zero: every byte is zero, its content is gone"},
	census.Unknown:       {"#b07cc6", "unknown: reached by nothing and no b-tree page (garbage)"},
	census.Unreadable:    {"#3a3a3a", "unreadable: the page cannot be read"},
}

const missingFill = "#f6c9c9"

// shades are the lightness of a tree's interior, leaf and overflow pages.
func shade(c census.Class) float64 {
	switch {
	case c == census.Overflow:
		return 0.72
	case c.Leaf():
		return 0.50
	}
	return 0.30
}

// paint is the paint of a page that looks like l: its class and owner
// decide it.
func (p *palette) paint(l look) paint {
	l.outcome, l.problem = 0, ""
	if pt, ok := p.made[l]; ok {
		return pt
	}
	pt := p.mix(l)
	p.made[l] = pt
	return pt
}

func (p *palette) mix(l look) paint {
	switch {
	case l.missing:
		return paint{key: "missing", fill: missingFill, class: "missing", label: "missing: beyond the end of the file, which lacks it", rank: rankMissing}
	case !l.class.BTree() && l.class != census.Overflow:
		f, ok := fixedPaints[l.class]
		if !ok {
			f.fill, f.label = "#ff00ff", l.class.String()
		}
		return paint{key: l.class.String(), fill: f.fill, class: l.class.String(), label: f.label, rank: rankFixed + int(l.class)}
	}
	c := l.class.String()
	if slot, ok := p.slot[l.tree]; ok {
		hue := math.Mod(210+137.508*float64(slot), 360)
		return paint{key: fmt.Sprintf("t%d:%s", slot, c), fill: hsl(hue, 0.55, shade(l.class)), class: c,
			owner: fmt.Sprint(l.tree), label: fmt.Sprintf("%s of %s", c, p.s.owner(l.tree)), rank: slot*rankTree + int(l.class)}
	}
	if l.tree >= 0 && p.s.c.Trees[l.tree].From != census.FromOrphan {
		return paint{key: "other:" + c, fill: hsl(200, 0.08, shade(l.class)), class: c, owner: "other",
			label: fmt.Sprintf("%s of one of the other %d b-trees (hover a cell for which)", c, len(p.s.c.Trees)-p.trees), rank: rankOther + int(l.class)}
	}
	return paint{key: "orphan:" + c, fill: hsl(28, 0.30, shade(l.class)), class: c, owner: "orphan",
		label: fmt.Sprintf("%s of an orphan b-tree: no named tree reaches it (hover a cell for its top page)", c), rank: rankOrphan + int(l.class)}
}

// hsl renders a colour given as hue (degrees), saturation and lightness
// (0 to 1) as #rrggbb.
func hsl(h, s, l float64) string {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	return fmt.Sprintf("#%02x%02x%02x", byte(math.Round((r+m)*255)), byte(math.Round((g+m)*255)), byte(math.Round((b+m)*255)))
}
