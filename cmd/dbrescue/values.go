package main

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on how much of one value a page dump shows. A page can hold a
// 60 KB text or blob; the first bytes are enough to recognise it, and the
// byte count says how much there is.
const (
	maxTextBytes = 200
	maxBlobBytes = 48
)

// Value types as named in JSON output.
const (
	valueNull    = "null"
	valueInteger = "integer"
	valueReal    = "real"
	valueText    = "text"
	valueBlob    = "blob"
)

// valueReport is one decoded record value. Value holds an integer, a real
// (a string "NaN", "+Inf" or "-Inf" for values JSON cannot carry), text,
// a blob as lower-case hex, or null. Bytes is the full length of a text or
// blob, Truncated says Value holds only its beginning.
type valueReport struct {
	Type      string `json:"type"`
	Value     any    `json:"value"`
	Bytes     int    `json:"bytes,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// newValueReport renders a value returned by btree.DecodeRecord.
func newValueReport(v any) valueReport {
	switch v := v.(type) {
	case nil:
		return valueReport{Type: valueNull}
	case int64:
		return valueReport{Type: valueInteger, Value: v}
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return valueReport{Type: valueReal, Value: strconv.FormatFloat(v, 'g', -1, 64)}
		}
		return valueReport{Type: valueReal, Value: v}
	case string:
		s, cut := truncateText(v, maxTextBytes)
		return valueReport{Type: valueText, Value: s, Bytes: len(v), Truncated: cut}
	case []byte:
		n := min(len(v), maxBlobBytes)
		return valueReport{Type: valueBlob, Value: hex.EncodeToString(v[:n]), Bytes: len(v), Truncated: n < len(v)}
	}
	return valueReport{Type: fmt.Sprintf("%T", v), Value: fmt.Sprint(v)}
}

// truncateText cuts s to at most n bytes without splitting a UTF-8
// sequence.
func truncateText(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

// String renders the value the way the sqlite3 shell would quote it: NULL,
// numbers bare, text in single quotes, blobs as X'..'.
func (v valueReport) String() string {
	var s string
	switch v.Type {
	case valueNull:
		return "NULL"
	case valueText:
		// %q would turn every non-ASCII letter into an escape; quote SQL
		// style and escape only what would garble a terminal.
		s = "'" + strings.ReplaceAll(escapeControl(fmt.Sprint(v.Value)), "'", "''") + "'"
	case valueBlob:
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
