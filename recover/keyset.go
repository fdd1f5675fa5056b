package recover

import (
	"encoding/binary"
	"fmt"
	"math"
)

// rank orders the sources of a row: when two copies of a row with the same
// key are found, the higher rank is kept.
type rank uint8

const (
	rankOrphan rank = iota + 1 // an unreached page, placed by shape or pointer map
	rankWalked                 // reached from the table's root
	rankCRC                    // an orphan leaf whose CRC matches the metadata backup
	rankWAL                    // a page image from a committed WAL frame
)

func (r rank) String() string {
	return [...]string{"", "orphan", "walked", "crc-verified", "wal"}[r]
}

// keyset remembers, per key written, the rank of the copy written, so that
// duplicates are resolved without holding rows in memory: rowids for rowid
// tables, encoded PRIMARY KEY values for WITHOUT ROWID tables.
type keyset struct {
	rowids map[int64]rank
	keys   map[string]rank
}

func newKeyset() *keyset { return &keyset{rowids: map[int64]rank{}, keys: map[string]rank{}} }

// offer reports what to do with a row of rank r: write it (replacing a
// lower-ranked copy when replace is set) or drop it.
func (k *keyset) offer(rowid int64, key string, withoutRowid bool, r rank) (write, replace bool) {
	var prev rank
	var seen bool
	if withoutRowid {
		prev, seen = k.keys[key]
	} else {
		prev, seen = k.rowids[rowid]
	}
	if seen && prev >= r {
		return false, false
	}
	if withoutRowid {
		k.keys[key] = r
	} else {
		k.rowids[rowid] = r
	}
	return true, seen
}

func (k *keyset) has(rowid int64) bool { _, ok := k.rowids[rowid]; return ok }

// encodeKey encodes PRIMARY KEY values so that equal keys encode equally:
// a type tag, then the value (integers and reals that are equal compare
// equal in SQLite's key order, so integral reals encode as integers).
func encodeKey(vals []any) string {
	var b []byte
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = append(b, 0)
		case int64:
			b = binary.BigEndian.AppendUint64(append(b, 1), uint64(v))
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
				b = binary.BigEndian.AppendUint64(append(b, 1), uint64(int64(v)))
			} else {
				b = binary.BigEndian.AppendUint64(append(b, 2), math.Float64bits(v))
			}
		case string:
			b = binary.AppendUvarint(append(b, 3), uint64(len(v)))
			b = append(b, v...)
		case []byte:
			b = binary.AppendUvarint(append(b, 4), uint64(len(v)))
			b = append(b, v...)
		default:
			b = append(b, fmt.Sprint(v)...)
		}
	}
	return string(b)
}
