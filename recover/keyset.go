package recover

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// keyset remembers, per key written, the rank of the copy written, so that
// duplicates are resolved without holding rows in memory. Rowids arrive in
// ascending order from a walk, so they are kept as runs of consecutive
// rowids of one rank (a dense table of millions of rows costs a few runs,
// where a map would cost tens of bytes a row); rowids that arrive out of
// order, and ranks that replace a run's, go to a small map that is
// consulted first. WITHOUT ROWID keys are encoded PRIMARY KEY values.
type keyset struct {
	runs  []keyRun
	extra map[int64]rank
	keys  map[string]rank
}

// keyRun is rowids lo..hi, all written with rank r.
type keyRun struct {
	lo, hi int64
	r      rank
}

func newKeyset() *keyset { return &keyset{extra: map[int64]rank{}, keys: map[string]rank{}} }

// offer reports what to do with a row of rank r: write it (replacing a
// lower-ranked copy when replace is set) or drop it.
func (k *keyset) offer(rowid int64, key string, withoutRowid bool, r rank) (write, replace bool) {
	if withoutRowid {
		prev, seen := k.keys[key]
		if seen && prev >= r {
			return false, false
		}
		k.keys[key] = r
		return true, seen
	}
	prev, seen := k.lookup(rowid)
	if seen && prev >= r {
		return false, false
	}
	k.set(rowid, r, seen)
	return true, seen
}

func (k *keyset) has(rowid int64) bool { _, ok := k.lookup(rowid); return ok }

func (k *keyset) lookup(rowid int64) (rank, bool) {
	if len(k.extra) > 0 {
		if r, ok := k.extra[rowid]; ok {
			return r, true
		}
	}
	// Most often the rowid follows the last run (a walk in key order).
	if n := len(k.runs); n > 0 && rowid > k.runs[n-1].hi {
		return 0, false
	}
	// The first run whose hi is >= rowid.
	i := sort.Search(len(k.runs), func(i int) bool { return k.runs[i].hi >= rowid })
	if i < len(k.runs) && k.runs[i].lo <= rowid {
		return k.runs[i].r, true
	}
	return 0, false
}

func (k *keyset) set(rowid int64, r rank, seen bool) {
	if n := len(k.runs); !seen && (n == 0 || rowid > k.runs[n-1].hi) {
		if n > 0 && k.runs[n-1].r == r && rowid == k.runs[n-1].hi+1 {
			k.runs[n-1].hi = rowid
		} else {
			k.runs = append(k.runs, keyRun{lo: rowid, hi: rowid, r: r})
		}
		return
	}
	k.extra[rowid] = r
}

// signature signs the set of rowids held, each once: a rowid in extra may
// also lie in a run (a copy that replaced another).
func (k *keyset) signature() signature {
	var s signature
	for _, run := range k.runs {
		for id := run.lo; ; id++ {
			s.add(uint64(id))
			if id == run.hi {
				break
			}
		}
	}
	for id := range k.extra {
		i := sort.Search(len(k.runs), func(i int) bool { return k.runs[i].hi >= id })
		if i == len(k.runs) || k.runs[i].lo > id {
			s.add(uint64(id))
		}
	}
	return s
}

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
