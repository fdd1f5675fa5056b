package inspect

import (
	"strings"

	"github.com/dbrescue/dbrescue/census"
)

// A page's kind is what inspect calls its use (page_kinds, page.kind in
// JSON): the census class's name (census.Class.String: "table-leaf",
// "overflow", "freelist-trunk", "zero", "unknown", ...), with two
// additions. The names never change.
const (
	// OrphanPrefix precedes the class of a b-tree page (or of an overflow
	// page hanging from one) that no tree sqlite_master names reaches:
	// a leaf that lost its parent still holds rows, which is what a
	// repair goes looking for.
	OrphanPrefix = "orphan-"
	// KindMissing is a page the database should hold beyond the end of a
	// truncated file (census.Missing).
	KindMissing = "missing"
)

// KindOrder is the order kinds are listed in text: the live database
// first, then free space, then what needs a closer look.
func KindOrder() []string {
	var out, orphans, lost []string
	for _, c := range census.Classes() {
		switch {
		case c.Lost():
			lost = append(lost, c.String())
		default:
			out = append(out, c.String())
		}
		if c.BTree() || c == census.Overflow {
			orphans = append(orphans, OrphanPrefix+c.String())
		}
	}
	return append(append(append(out, orphans...), lost...), KindMissing)
}

// Kind names page pgno (1 ≤ pgno ≤ the file's pages) of census c.
func Kind(c *census.Census, pgno uint32) string {
	p := c.Page(pgno)
	if (p.Class.BTree() || p.Class == census.Overflow) && orphan(c, p.Tree) {
		return OrphanPrefix + p.Class.String()
	}
	return p.Class.String()
}

// orphan reports whether tree i is an orphan tree (or none at all).
func orphan(c *census.Census, i int32) bool {
	return i < 0 || c.Trees[i].From == census.FromOrphan
}

// IsOrphan reports whether kind names a page no named tree reaches.
func IsOrphan(kind string) bool { return strings.HasPrefix(kind, OrphanPrefix) }
