package corpus

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Values are compared by type and content: integer 1, real 1.0, text '1'
// and blob x'31' are four different values, and NULL equals only NULL. The
// comparison works on a canonical byte encoding (a type tag, then the
// value), which also serves as a map key.
const (
	tagNull  = 'n'
	tagInt   = 'i'
	tagReal  = 'r'
	tagText  = 't'
	tagBlob  = 'b'
	tagOther = '?'
)

// appendValue appends the canonical encoding of one value as SQLite returns
// it through database/sql: nil, int64, float64, string or []byte.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, tagNull)
	case int64:
		return binary.BigEndian.AppendUint64(append(b, tagInt), uint64(v))
	case float64:
		return binary.BigEndian.AppendUint64(append(b, tagReal), math.Float64bits(v))
	case string:
		b = binary.AppendUvarint(append(b, tagText), uint64(len(v)))
		return append(b, v...)
	case []byte:
		b = binary.AppendUvarint(append(b, tagBlob), uint64(len(v)))
		return append(b, v...)
	default:
		s := fmt.Sprintf("%T:%v", v, v)
		b = binary.AppendUvarint(append(b, tagOther), uint64(len(s)))
		return append(b, s...)
	}
}

// valuesKey is the canonical encoding of a list of values.
func valuesKey(vals []any) string {
	var b []byte
	for _, v := range vals {
		b = appendValue(b, v)
	}
	return string(b)
}

// sameValue reports whether a and b are the same value of the same type.
func sameValue(a, b any) bool {
	return string(appendValue(nil, a)) == string(appendValue(nil, b))
}

// trimNulls drops trailing NULLs: a record written before an ADD COLUMN,
// or a lost_and_found row wider than its record, ends in them.
func trimNulls(vals []any) []any {
	n := len(vals)
	for n > 0 && vals[n-1] == nil {
		n--
	}
	return vals[:n]
}

// numericKey is the key used only to find a WITHOUT ROWID row's location
// in the b-tree: a REAL-affinity key may be stored as an integer, so
// integral reals are folded onto integers here. Scoring never uses it.
func numericKey(vals []any) string {
	norm := make([]any, len(vals))
	for i, v := range vals {
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			v = int64(f)
		}
		norm[i] = v
	}
	return valuesKey(norm)
}
