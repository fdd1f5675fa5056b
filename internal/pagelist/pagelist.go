// Package pagelist writes lists of page numbers for people to read, in
// reports and messages: "3-17 19 22-40", "12 -> 13 -> 14", "2 5 9 ... (40
// more)". Every place that prints a page list asks it, with its own Style.
//
// What it does not know: what the pages are. It writes the numbers in the
// order given and never sorts them.
package pagelist

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Style says how a list is written.
type Style struct {
	// Sep goes between items.
	Sep string
	// Runs writes numbers that each follow the one before (17 18 19) as
	// one item, "17-19".
	Runs bool
	// Max, when positive, bounds the items written; the pages left are
	// counted instead, after one more Sep: "... (12 more)".
	Max int
}

// Format writes pages in style s.
func (s Style) Format(pages []uint32) string {
	var b strings.Builder
	for i, items := 0, 0; i < len(pages); items++ {
		if items > 0 {
			b.WriteString(s.Sep)
		}
		if s.Max > 0 && items == s.Max {
			fmt.Fprintf(&b, "... (%d more)", len(pages)-i)
			break
		}
		j := i
		for s.Runs && j+1 < len(pages) && pages[j] != math.MaxUint32 && pages[j+1] == pages[j]+1 {
			j++
		}
		b.WriteString(strconv.FormatUint(uint64(pages[i]), 10))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(uint64(pages[j]), 10))
		}
		i = j + 1
	}
	return b.String()
}
