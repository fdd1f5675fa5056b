// Package sqlident quotes SQL identifiers: table, column and index names
// taken from a database or a metadata backup, which may hold any
// character, go into SQL text only through Quote.
//
// What it does not know: whether a name exists, or what it names. It
// quotes; it does not check.
package sqlident

import "strings"

// Quote returns name as a SQLite identifier: in double quotes, with each
// double quote inside doubled, so that no name, however hostile, ends the
// identifier early. (SQLite would take a single-quoted or bare name as a
// string or a keyword in some places; a double-quoted one is always an
// identifier where one is expected.)
func Quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
