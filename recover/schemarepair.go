package recover

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// A CREATE TABLE text whose sqlite_master row survived (its name and root
// page are known) but whose text was garbled is usually damaged at its
// head, where a stray write lands first. repairCreate rebuilds it: the
// text from one of its parentheses on, or from one of its commas on with
// the columns it lost put back in front, "CREATE TABLE name" before it.
// SQLite in the sandbox decides which rebuilt texts are tables; the one
// kept must have as many columns as the table's records have fields.
// The names of lost columns come from SQLite itself: a constraint that
// survived (PRIMARY KEY(a, b), UNIQUE, CHECK) names a column the text no
// longer defines, and SQLite says so ("no such column: a"); a lost column
// nothing names is called columnN.

// maxLostColumns bounds how many lost leading columns are put back.
const maxLostColumns = 4

var noSuchColumn = regexp.MustCompile(`no such column: "?([^" (]+)"?`)

// repairCreate returns the stored text of a rebuilt CREATE TABLE for name,
// or false. width is the number of fields its records have (0: unknown,
// then any rebuilt table SQLite accepts will do).
func repairCreate(ctx context.Context, sb *sandbox, name, text string, width int) (string, bool) {
	head := "CREATE TABLE " + sqlident.Quote(name)
	try := func(candidate string) (string, int, error) { return sb.try(ctx, "table", name, candidate, false) }
	fits := func(cols int) bool { return width == 0 || cols == width }
	var found string
	for i := 0; i < len(text) && found == ""; i++ {
		if text[i] != '(' {
			continue
		}
		if stored, cols, err := try(head + text[i:]); err == nil && fits(cols) {
			found = stored
		}
	}
	for i := 0; i < len(text) && found == ""; i++ {
		if text[i] != ',' {
			continue
		}
		rest := text[i+1:]
		var lead []string
		for len(lead) <= maxLostColumns {
			candidate := head + "(" + strings.Join(append(append([]string(nil), lead...), rest), ", ")
			stored, cols, err := try(candidate)
			if err == nil && fits(cols) {
				found = stored
				break
			}
			if err == nil && width > cols {
				lead = append(lead, fmt.Sprintf("column%d", len(lead)+1))
				continue
			}
			m := noSuchColumn.FindStringSubmatch(errText(err))
			if m == nil {
				break
			}
			lead = append(lead, sqlident.Quote(m[1]))
		}
	}
	if found == "" {
		return "", false
	}
	// The text SQLite stored is the one to keep: accept it for real.
	stored, err := sb.accept(ctx, "table", name, found)
	return stored, err == nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// recordWidth is the number of fields of the first record on the first
// leaf of the tree at root (0 when it cannot tell).
func (r *repairer) recordWidth(root uint32) int {
	width := 0
	_, _ = r.rd.WalkTree(root, btree.WalkOptions{ChainsOnly: true, OnEntry: func(e *btree.Entry) error {
		if types, _, err := btree.RecordHeader(e.Payload); err == nil {
			width = max(width, len(types))
		}
		return btree.ErrStop
	}})
	return width
}
