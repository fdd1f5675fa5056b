package pagemap

import (
	"cmp"
	"slices"
)

// legend says what every colour and outline the cells used means, one
// entry per paint (data-k, with the census class and owner it stands
// for) in rank order, then the damage outline, then every outcome strip
// when the map has outcomes.
func (m *mapWriter) legend() {
	m.printf("<h2>Legend</h2>\n<ul class=\"legend\">\n")
	slices.SortStableFunc(m.order, func(a, b string) int { return cmp.Compare(m.used[a].rank, m.used[b].rank) })
	for _, k := range m.order {
		p := m.used[k]
		m.printf("<li data-k=\"%s\" data-class=\"%s\" data-tree=\"%s\">%s%s</li>\n", text(p.key), text(p.class), p.owner, swatch(p.fill), content(p.label))
	}
	if m.bad {
		m.printf("<li class=\"bad\" data-mark=\"bad\">%sred outline: damaged (hover for the problem)</li>\n", swatch("#ffffff"))
	}
	for o := NoRows; o <= Lost && m.s.outcome != nil; o++ {
		st := outcomeStyles[o]
		fill := st.fill
		if fill == "" {
			fill = "none"
		}
		m.printf("<li data-o=\"%s\"><svg width=\"14\" height=\"14\"><rect x=\"0.5\" y=\"10\" width=\"13\" height=\"4\" fill=\"%s\"/></svg>%s</li>\n", st.name, fill, content(st.meaning))
	}
	m.printf("</ul>\n")
}

// swatch is a legend's sample of a fill.
func swatch(fill string) string {
	return `<svg width="14" height="14"><rect x="0.5" y="0.5" width="13" height="13" fill="` + fill + `" stroke="#999" stroke-width="0.5"/></svg>`
}
