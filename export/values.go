package export

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
)

// The values database/sql gives for SQLite's storage classes, read as
// "+column" (see selectList): nil, int64, float64, string, []byte.

// csvField renders a value for a CSV field: NULL as the empty field (as
// the sqlite3 shell's CSV mode does; CSV cannot tell it from ”), numbers
// as SQLite would print them back exactly, BLOBs in the chosen encoding.
func csvField(v any, blobs BlobEncoding) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case []byte:
		return encodeBlob(x, blobs)
	}
	return ""
}

// jsonValue is a value for encoding/json: NULL null, integers and reals
// numbers (an infinite real, which JSON cannot hold, the string
// "Infinity" or "-Infinity"), text a string, a BLOB a string in the
// chosen encoding.
func jsonValue(v any, blobs BlobEncoding) any {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		return x
	case []byte:
		return encodeBlob(x, blobs)
	}
	return v
}

func encodeBlob(b []byte, blobs BlobEncoding) string {
	if blobs == Base64 {
		return base64.StdEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

// jsonObject encodes one row as a JSON object whose keys are the column
// names in table order (a Go map would sort them). Each key and value is
// encoded by encoding/json.
func jsonObject(cols []string, vals []any, blobs BlobEncoding) ([]byte, error) {
	out := []byte{'{'}
	for i, c := range cols {
		if i > 0 {
			out = append(out, ',')
		}
		k, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(jsonValue(vals[i], blobs))
		if err != nil {
			return nil, err
		}
		out = append(append(append(out, k...), ':'), v...)
	}
	return append(out, '}'), nil
}
