package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dbrescue/dbrescue/inspect"
)

// valueText renders a decoded value the way the sqlite3 shell would quote
// it: NULL, numbers bare, text in single quotes, blobs as X'..'.
func valueText(v inspect.Value) string {
	var s string
	switch v.Type {
	case inspect.ValueNull:
		return "NULL"
	case inspect.ValueText:
		// %q would turn every non-ASCII letter into an escape; quote SQL
		// style and escape only what would garble a terminal.
		s = "'" + strings.ReplaceAll(escapeControl(fmt.Sprint(v.Value)), "'", "''") + "'"
	case inspect.ValueBlob:
		s = "X'" + fmt.Sprint(v.Value) + "'"
	default:
		return fmt.Sprint(v.Value)
	}
	if v.Truncated {
		s += fmt.Sprintf("… (%d bytes)", v.Bytes)
	}
	return s
}

// clean makes a string read from the file safe to print: names in a
// damaged sqlite_master can hold any bytes.
func clean(s string) string { return escapeControl(s) }

// escapeControl replaces control characters and invalid UTF-8 with Go
// escapes, so a dump of garbage cannot move the cursor or ring the bell.
func escapeControl(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
