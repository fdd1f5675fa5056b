package inspect

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Limits on how much of one value a page document shows, in bytes. A page
// can hold a 60 KB text or blob; the first bytes are enough to recognise
// it, and the byte count says how much there is.
const (
	MaxTextBytes = 200
	MaxBlobBytes = 48
)

// Value types as named in JSON output.
const (
	ValueNull    = "null"
	ValueInteger = "integer"
	ValueReal    = "real"
	ValueText    = "text"
	ValueBlob    = "blob"
)

// Value is one decoded record value. Value holds an integer, a real
// (a string "NaN", "+Inf" or "-Inf" for values JSON cannot carry), text,
// a blob as lower-case hex, or null. Bytes is the full length of a text or
// blob, Truncated says Value holds only its beginning.
type Value struct {
	Type      string `json:"type"`
	Value     any    `json:"value"`
	Bytes     int    `json:"bytes,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// NewValue renders a value returned by btree.DecodeRecord.
func NewValue(v any) Value {
	switch v := v.(type) {
	case nil:
		return Value{Type: ValueNull}
	case int64:
		return Value{Type: ValueInteger, Value: v}
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Value{Type: ValueReal, Value: strconv.FormatFloat(v, 'g', -1, 64)}
		}
		return Value{Type: ValueReal, Value: v}
	case string:
		s, cut := truncateText(v, MaxTextBytes)
		return Value{Type: ValueText, Value: s, Bytes: len(v), Truncated: cut}
	case []byte:
		n := min(len(v), MaxBlobBytes)
		return Value{Type: ValueBlob, Value: hex.EncodeToString(v[:n]), Bytes: len(v), Truncated: n < len(v)}
	}
	return Value{Type: fmt.Sprintf("%T", v), Value: fmt.Sprint(v)}
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
