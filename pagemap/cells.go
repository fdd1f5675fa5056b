package pagemap

// maxMissingLooked bounds how many pages missing beyond the end of the
// file are looked at one by one (a hostile header can claim four billion
// pages): past it, the rest are taken to look like the first of them.
const maxMissingLooked = 1 << 22

// cell is one cell of the grid, or a run of cells drawn as one: the
// consecutive pages first to last, and the looks among them.
type cell struct {
	first, last uint64
	span        int // grid cells it covers
	looks       []lookCount
	index       map[look]int // position in looks
	bad         uint64       // damaged pages
	worst       Outcome
}

// lookCount is one look and how many pages of a cell have it.
type lookCount struct {
	look look
	n    uint64
}

func (c *cell) add(l look, n uint64) {
	if i, ok := c.index[l]; ok {
		c.looks[i].n += n
	} else {
		c.index[l] = len(c.looks)
		c.looks = append(c.looks, lookCount{l, n})
	}
	if l.bad() {
		c.bad += n
	}
	c.worst = max(c.worst, l.outcome)
}

// uniform reports whether every page of the cell looks alike.
func (c *cell) uniform() bool { return len(c.looks) == 1 }

// cells cuts the pages into cells of per consecutive pages each.
func (s *survey) cells(per uint64) []*cell {
	looked := uint64(s.count) + min(uint64(s.c.Missing), maxMissingLooked)
	var out []*cell
	for first := uint64(1); first <= s.total; first += per {
		c := &cell{first: first, last: min(first+per-1, s.total), span: 1, index: map[look]int{}}
		for pg := first; pg <= c.last; pg++ {
			if pg > looked {
				c.add(s.look(pg), c.last-pg+1)
				break
			}
			c.add(s.look(pg), 1)
		}
		out = append(out, c)
	}
	return out
}

// runs joins the consecutive cells of each row of cols cells that look
// alike, so that a table's hundred leaves in a row are one element.
func runs(cells []*cell, cols int) []*cell {
	var out []*cell
	for i, c := range cells {
		if n := len(out); n > 0 && i%cols != 0 && c.uniform() && out[n-1].uniform() && out[n-1].looks[0].look == c.looks[0].look {
			prev := out[n-1]
			prev.last, prev.span = c.last, prev.span+1
			prev.add(c.looks[0].look, c.looks[0].n)
			continue
		}
		out = append(out, c)
	}
	return out
}
