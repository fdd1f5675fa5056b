package pagemap

import (
	"bufio"
	"cmp"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/census"
)

// DefaultMaxCells is how many cells a map draws at most: a 1 GB database
// of 4 KiB pages (about 262,000 pages) is drawn 32 or 33 pages to a cell,
// in an HTML file under 3 MB that a browser opens at once.
const DefaultMaxCells = 8192

// Options control a map.
type Options struct {
	// Title names the database in the page's heading.
	Title string
	// Outcome, when set, is what a repair made of page pgno (pages
	// missing beyond the end of the file included); every cell is then
	// marked with it.
	Outcome func(pgno uint32) Outcome
	// MaxCells bounds the cells drawn; 0 means DefaultMaxCells.
	MaxCells int
}

// grid is how cells are laid out: cols to a row, px pixels square, after
// a margin for the page numbers.
type grid struct {
	cols, px, margin int
}

func gridFor(cells int) grid {
	if cells <= 2048 {
		return grid{cols: 64, px: 14, margin: 84}
	}
	return grid{cols: 128, px: 8, margin: 84}
}

// Render writes the map of census c as one HTML document.
func Render(w io.Writer, c *census.Census, opts Options) error {
	maxCells := opts.MaxCells
	if maxCells <= 0 {
		maxCells = DefaultMaxCells
	}
	s := newSurvey(c, opts.Outcome)
	per := max(1, (s.total+uint64(maxCells)-1)/uint64(maxCells))
	cells := s.cells(per)
	g := gridFor(len(cells))
	m := &mapWriter{w: bufio.NewWriter(w), s: s, pal: newPalette(s), g: g, per: per, used: map[string]paint{}}
	m.head(opts.Title, len(cells))
	m.grid(runs(cells, g.cols), len(cells))
	m.legend()
	m.printf("</body>\n</html>\n")
	if m.err != nil {
		return m.err
	}
	return m.w.Flush()
}

// mapWriter writes one document and remembers what the legend must
// explain: the paints the cells used, and whether any was damaged.
type mapWriter struct {
	w     *bufio.Writer
	err   error
	s     *survey
	pal   *palette
	g     grid
	per   uint64
	used  map[string]paint
	order []string // keys of used, in order of first use
	bad   bool
}

func (m *mapWriter) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

// style is the page's CSS: the damage outline, a hover highlight, and the
// legend's columns. It holds no "<" or "&", so the document stays
// well-formed XML too.
const style = `body{font:13px/1.45 system-ui,sans-serif;margin:16px 20px;color:#1d1d1d;background:#fafafa}
h1{font-size:18px;margin:0 0 4px}
h2{font-size:15px;margin:18px 0 6px}
p{margin:2px 0}
svg.map{display:block;margin-top:10px;background:#fff;border:1px solid #ddd}
svg.map text{font:10px monospace;fill:#666;text-anchor:end}
svg.map g.bad>rect:first-of-type{stroke:#d50000;stroke-width:1.6px}
svg.map g:hover>rect:first-of-type{stroke:#000;stroke-width:2px}
ul.legend{list-style:none;padding:0;margin:0;columns:3 300px}
ul.legend li{break-inside:avoid;margin:1px 0}
ul.legend svg{vertical-align:-3px;margin-right:6px}
ul.legend li.bad rect{stroke:#d50000;stroke-width:1.6px}
`

func (m *mapWriter) head(title string, cells int) {
	c := m.s.c
	m.printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Page map of %s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
		text(title), style)
	m.printf("<h1>Page map of %s</h1>\n", text(title))
	m.printf("<p>%s of %d bytes", plural(len(c.Pages), "page"), c.File.Geometry.PageSize)
	if c.Missing > 0 {
		m.printf(", and %d missing beyond the end of the file: %s", c.Missing, text(c.MissingWhy))
	}
	m.printf(".</p>\n<p>")
	if m.per == 1 {
		m.printf("One cell per page, %d to a row", m.g.cols)
	} else {
		m.printf("One cell per %d consecutive pages, %d to a row, coloured as most of its pages are, outlined when any is damaged", m.per, m.g.cols)
		if m.s.outcome != nil {
			m.printf(", marked with the worst outcome among them")
		}
	}
	m.printf("; %d cells. Hover a cell for its pages, owner and problem.</p>\n", cells)
}

// grid draws the cells, run by run, with the first page of every few rows
// in the margin.
func (m *mapWriter) grid(cells []*cell, n int) {
	g := m.g
	rows := (n + g.cols - 1) / g.cols
	width, height := g.margin+g.cols*g.px+4, rows*g.px+4
	m.printf("<svg class=\"map\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", width, height, width, height)
	labelEvery := max(1, 64/g.px)
	for row := 0; row < rows; row += labelEvery {
		m.printf("<text x=\"%d\" y=\"%d\">page %d</text>\n", g.margin-6, 2+row*g.px+g.px-2, uint64(row*g.cols)*m.per+1)
	}
	at := 0 // grid position of the next cell
	for _, c := range cells {
		m.cell(c, at)
		at += c.span
	}
	m.printf("</svg>\n")
}

// cell draws one cell or run as a group: its tooltip, its fill, and the
// outcome strip.
func (m *mapWriter) cell(c *cell, at int) {
	g := m.g
	p := m.dominant(c)
	x, y := g.margin+(at%g.cols)*g.px, 2+(at/g.cols)*g.px
	w, h := c.span*g.px-1, g.px-2
	m.printf("<g data-p=\"%d-%d\" data-k=\"%s\"", c.first, c.last, text(p.key))
	if m.s.outcome != nil {
		m.printf(" data-o=\"%s\"", c.worst)
	}
	if c.bad > 0 {
		m.printf(" class=\"bad\"")
		m.bad = true
	}
	m.printf("><title>%s</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", content(m.tooltip(c)), x, y, w, h, p.fill)
	if f := outcomeStyles[c.worst].fill; m.s.outcome != nil && f != "" {
		sh := max(2, g.px/4)
		m.printf("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x, y+h-sh, w, sh, f)
	}
	m.printf("</g>\n")
}

// dominant is the paint most pages of c have (the first met, on a tie),
// recorded for the legend.
func (m *mapWriter) dominant(c *cell) paint {
	counts := map[string]uint64{}
	var best paint
	for _, lc := range c.looks {
		p := m.pal.paint(lc.look)
		counts[p.key] += lc.n
		if best.key == "" || counts[p.key] > counts[best.key] {
			best = p
		}
	}
	if _, ok := m.used[best.key]; !ok {
		m.used[best.key] = best
		m.order = append(m.order, best.key)
	}
	return best
}

// maxTooltipLooks bounds the kinds of page a block's tooltip lists.
const maxTooltipLooks = 4

// tooltip says what c holds: for pages that look alike, their range and
// description; for a block, how many pages of each kind and owner, how
// many are damaged, and the outcomes.
func (m *mapWriter) tooltip(c *cell) string {
	span := fmt.Sprintf("page %d", c.first)
	if c.last > c.first {
		span = fmt.Sprintf("pages %d-%d", c.first, c.last)
	}
	if c.uniform() {
		return span + ": " + m.s.describe(c.looks[0].look)
	}
	type part struct {
		label string
		n     uint64
	}
	var parts []part
	idx := map[string]int{}
	outcomes := map[Outcome]uint64{}
	firstProblem := ""
	for _, lc := range c.looks {
		label := m.s.what(lc.look)
		if i, ok := idx[label]; ok {
			parts[i].n += lc.n
		} else {
			idx[label] = len(parts)
			parts = append(parts, part{label, lc.n})
		}
		outcomes[lc.look.outcome] += lc.n
		if firstProblem == "" {
			firstProblem = lc.look.problem
		}
	}
	slices.SortStableFunc(parts, func(a, b part) int { return cmp.Compare(b.n, a.n) })
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d pages): ", span, c.last-c.first+1)
	for i, p := range parts {
		if i == maxTooltipLooks {
			fmt.Fprintf(&b, ", and %s", plural(len(parts)-i, "other kind"))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %s", p.n, p.label)
	}
	if c.bad > 0 {
		fmt.Fprintf(&b, "; %d damaged, first: %s", c.bad, firstProblem)
	}
	if m.s.outcome != nil {
		b.WriteString("; repair:")
		for o := NoRows; o <= Lost; o++ {
			if n := outcomes[o]; n > 0 {
				fmt.Fprintf(&b, " %d %s", n, o)
			}
		}
	}
	return b.String()
}

// maxTextRunes bounds one text of the document (a tooltip listing a
// hostile file's longest error message).
const maxTextRunes = 600

// text escapes s for HTML and XML, in an attribute or as text, after
// cleaning it and cutting it short.
func text(s string) string { return html.EscapeString(cut(clean(s), maxTextRunes)) }

// content is text for an element's content, where quotes need no escape:
// a tooltip naming a tree is a fifth shorter.
func content(s string) string { return contentEscaper.Replace(cut(clean(s), maxTextRunes)) }

var contentEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// plural renders "1 page", "2 pages".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
