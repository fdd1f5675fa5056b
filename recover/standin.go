package recover

import (
	"cmp"
	"strings"
	"sync/atomic"

	"modernc.org/sqlite"
)

// Collations that only the phone has. Android registers LOCALIZED,
// UNICODE and PHONEBOOK (ICU collators) on every database it opens, and
// apps register their own; SQLite refuses a CREATE naming a collation it
// does not have, so without them a phone's table would not be recreated
// at all. A table b-tree's order never depends on a column's collation,
// so its rows are safe whatever the collation does. An index (a UNIQUE
// constraint's too, or a WITHOUT ROWID table's key) is ordered by it: the
// phone would find an index written in any other order corrupt. So each
// such collation gets a stand-in that ranks text as the damaged file's
// own index b-trees ordered it (see ranksFromTrees), and every b-tree
// written with a stand-in is checked against the original's order before
// it is kept (see standInCheck).

// builtinCollations are SQLite's own; every other name gets a stand-in.
var builtinCollations = map[string]bool{"binary": true, "nocase": true, "rtrim": true}

// maxStandIns bounds the stand-ins of one repair: the names come from
// hostile text, and each registration lives as long as the process.
const maxStandIns = 64

// standIn is one collation the repair does not have.
type standIn struct {
	name string
	// ranks orders the strings the original b-trees hold; strings with
	// the same rank were tied by the phone. Set once before any b-tree
	// is written with it; nil until then and after the repair.
	ranks atomic.Pointer[map[string]int32]
}

// compare ranks strings the original b-trees ordered by their rank,
// before any string they did not hold, which compare as bytes: a total
// order, as SQLite requires of a collation, that agrees with the phone's
// wherever the original b-trees show it.
func (s *standIn) compare(a, b string) int {
	var ranks map[string]int32
	if p := s.ranks.Load(); p != nil {
		ranks = *p
	}
	ra, okA := ranks[a]
	rb, okB := ranks[b]
	switch {
	case okA && okB:
		return cmp.Compare(ra, rb)
	case okA:
		return -1
	case okB:
		return 1
	}
	return strings.Compare(a, b)
}

// standIns are one repair's stand-in collations and the driver that opens
// its connections (the sandbox and the output) with them registered, so
// that they reach no other repair's connections.
type standIns struct {
	driver *sqlite.Driver
	byName map[string]*standIn // lower-case name
}

// newStandIns registers a stand-in for every collation the texts name
// that SQLite does not have.
func newStandIns(texts []string) *standIns {
	s := &standIns{driver: &sqlite.Driver{}, byName: map[string]*standIn{}}
	for _, text := range texts {
		for _, name := range collationNames(text) {
			key := strings.ToLower(name)
			if builtinCollations[key] || s.byName[key] != nil || len(s.byName) >= maxStandIns {
				continue
			}
			si := &standIn{name: name}
			// The driver is new, so the only error, a name registered
			// twice, cannot happen: names are distinct ignoring case.
			if s.driver.RegisterCollationUtf8(name, si.compare) == nil {
				s.byName[key] = si
			}
		}
	}
	return s
}

// lookup returns the stand-in for a collation name, nil for SQLite's own
// and unknown names.
func (s *standIns) lookup(name string) *standIn {
	if s == nil {
		return nil
	}
	return s.byName[strings.ToLower(name)]
}

// release drops the ranks once the repair is done: the driver's
// registrations outlive it, the strings need not.
func (s *standIns) release() {
	for _, si := range s.byName {
		si.ranks.Store(nil)
	}
}

// collationNames returns the names following the keyword COLLATE in SQL
// text, read with SQLite's token rules (comments skipped, names bare or
// quoted four ways). It is a scan, not a parse: naming one collation too
// many only registers an unused stand-in.
func collationNames(text string) []string {
	var out []string
	afterCollate := false
	take := func(name string) {
		if afterCollate && name != "" && len(name) <= 128 {
			out = append(out, name)
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(text[i:], "--"):
			if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(text)
			}
		case strings.HasPrefix(text[i:], "/*"):
			if j := strings.Index(text[i+2:], "*/"); j >= 0 {
				i += j + 4
			} else {
				i = len(text)
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			end := c
			if c == '[' {
				end = ']'
			}
			j := i + 1
			for j < len(text) && (text[j] != end || (end != ']' && j+1 < len(text) && text[j+1] == end)) {
				if text[j] == end {
					j++ // a doubled quote
				}
				j++
			}
			take(unquote(text[i:min(j+1, len(text))]))
			afterCollate = false
			i = j + 1
		case c == '_' || c == '$' || c >= 0x80 || 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9':
			j := i
			for j < len(text) && (text[j] == '_' || text[j] == '$' || text[j] >= 0x80 || 'a' <= text[j]|0x20 && text[j]|0x20 <= 'z' || '0' <= text[j] && text[j] <= '9') {
				j++
			}
			word := text[i:j]
			take(word)
			afterCollate = !afterCollate && strings.EqualFold(word, "COLLATE")
			i = j
		default:
			afterCollate = false
			i++
		}
	}
	return out
}
