package pagemap

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/dbrescue/dbrescue/census"
)

// look is what one page looks like on the map: two pages that look alike
// side by side are drawn as one run.
type look struct {
	class   census.Class
	missing bool  // beyond the end of the file, which lacks it
	tree    int32 // the owner, or the tree that pointed at a lost page; -1: none
	outcome Outcome
	problem string // what is wrong with the page; "" when nothing is
}

func (l look) bad() bool { return l.problem != "" }

// survey answers what each page looks like, from a census and the
// caller's outcomes.
type survey struct {
	c       *census.Census
	count   uint32 // pages in the file
	total   uint64 // pages in the file and missing beyond its end
	damage  map[uint32]error
	outcome func(uint32) Outcome // nil: no outcomes to mark
	owners  map[int32]string     // owner's answers, kept: a block names its trees again and again
}

func newSurvey(c *census.Census, outcome func(uint32) Outcome) *survey {
	count := uint32(len(c.Pages))
	return &survey{c: c, count: count, total: uint64(count) + uint64(c.Missing), damage: c.PageDamage(), outcome: outcome, owners: map[int32]string{}}
}

// lostNotes say why a page of a lost class is marked, before whatever
// damage a walk met on it.
var lostNotes = map[census.Class]string{
	census.Zero:       "every byte is zero: its content is gone",
	census.Unknown:    "reached by nothing and no b-tree page: garbage, or a stray overflow page",
	census.Unreadable: "cannot be read",
}

// look is what page pgno (1 ≤ pgno ≤ total) looks like.
func (s *survey) look(pgno uint64) look {
	l := look{tree: -1}
	if s.outcome != nil {
		l.outcome = s.outcome(uint32(pgno))
	}
	if pgno > uint64(s.count) {
		l.missing, l.problem = true, "missing beyond the end of the file: "+s.c.MissingWhy
		return l
	}
	p := s.c.Page(uint32(pgno))
	l.class, l.tree = p.Class, p.Tree
	note := lostNotes[p.Class]
	switch err := s.damage[uint32(pgno)]; {
	case err != nil && note != "":
		l.problem = note + "; " + err.Error()
	case err != nil:
		l.problem = err.Error()
	default:
		l.problem = note
	}
	return l
}

// what says in words what a page that looks like l is: its class and
// owner.
func (s *survey) what(l look) string {
	switch {
	case l.missing:
		return "missing"
	case l.tree >= 0 && l.class.Lost():
		return fmt.Sprintf("%s, reached from %s", l.class, s.owner(l.tree))
	case l.tree >= 0:
		return fmt.Sprintf("%s of %s", l.class, s.owner(l.tree))
	}
	return l.class.String()
}

// describe is what, then what a repair made of the page and what is wrong
// with it.
func (s *survey) describe(l look) string {
	var b strings.Builder
	b.WriteString(s.what(l))
	if s.outcome != nil {
		fmt.Fprintf(&b, "; repair: %s", l.outcome)
	}
	if l.bad() {
		fmt.Fprintf(&b, "; damaged: %s", l.problem)
	}
	return b.String()
}

// owner names tree i.
func (s *survey) owner(i int32) string {
	if name, ok := s.owners[i]; ok {
		return name
	}
	name := s.name(s.c.Trees[i])
	s.owners[i] = name
	return name
}

func (s *survey) name(t *census.Tree) string {
	kind := "table"
	if t.IndexTree {
		kind = "index"
	}
	switch t.From {
	case census.FromOrphan:
		return fmt.Sprintf("the orphan %s b-tree topped by page %d", kind, t.Root)
	case census.FromHint:
		return fmt.Sprintf("%s %q (root %d, known from the metadata backup)", printable(t.Type), printable(t.Name), t.Root)
	}
	return fmt.Sprintf("%s %q (root %d)", printable(t.Type), printable(t.Name), t.Root)
}

// maxNameRunes bounds a name read from the file in the picture.
const maxNameRunes = 64

// printable makes a name read from the file fit for the picture: clean,
// and cut short.
func printable(s string) string { return cut(clean(s), maxNameRunes) }

// clean makes s valid UTF-8 without control characters, which XML cannot
// carry even escaped.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\uFFFE' || r == '\uFFFF' {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// cut shortens s to n runes, marking the cut.
func cut(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at] + "…"
		}
		i++
	}
	return s
}
