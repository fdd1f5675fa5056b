package bulk

import (
	"encoding/binary"
	"math"
)

// Prefix gives the first 16 bytes of a byte string that orders records as
// Compare does, as two words: a sorter settles most comparisons on them
// (see Sorter.UsePrefix) and calls Compare only when they are equal.
//
// Each field is encoded so that byte order is SQLite's order: a class byte
// (NULL, number, text, blob), then numbers as the order-preserving bits of
// their value as a real, text and blobs as their bytes with 0x00 escaped
// and a terminator, all inverted for a DESC field. Where the encoding
// cannot stand for the value exactly (an integer beyond 2^53, which a real
// only approximates; NOCASE and RTRIM text, UTF-16 text under them) it
// stops, so that records that differ there tie on the prefix and Compare
// decides. Whether it stops depends only on the bytes already written,
// which keeps the prefix ordered.
func (o *Order) Prefix(rec []byte) (uint64, uint64) {
	var buf [16]byte
	n := 0
	put := func(b byte) bool {
		if n == len(buf) {
			return false
		}
		buf[n] = b
		n++
		return true
	}
	fr := newFieldReader(rec)
fields:
	for i := range o.Fields {
		start := n
		t, v, ok := fr.next()
		exact := true
		switch {
		case !ok:
			// A missing field sorts before any value, descending or
			// not, as in Compare.
			put(0)
			break fields
		case t == 0:
			put(1)
		case t <= 9:
			put(2)
			iv, rv, isReal := numberOf(t, v)
			if !isReal {
				rv = float64(iv)
			}
			if math.IsNaN(rv) {
				// Never stored by SQLite; Compare puts it below every
				// other number, as eight zero bytes do.
				n += 8
				exact = false
				break
			}
			for _, b := range orderedFloat(rv) {
				put(b)
			}
			exact = math.Abs(rv) < 1<<53
		default:
			if t%2 == 1 {
				put(3)
				if o.Fields[i].Coll != Binary {
					exact = false
					break
				}
			} else {
				put(4)
			}
			for _, c := range v {
				if !put(c) || (c == 0 && !put(0xff)) {
					break
				}
			}
			put(0)
			put(1)
		}
		if o.Fields[i].Desc {
			for j := start; j < n; j++ {
				buf[j] = ^buf[j]
			}
		}
		if !exact || n == len(buf) {
			break fields
		}
	}
	return binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])
}

// orderedFloat is a real's bits arranged so that byte order is numeric
// order: the sign bit flipped for positives, every bit for negatives.
func orderedFloat(r float64) [8]byte {
	b := math.Float64bits(r)
	if r == 0 {
		b = 0 // -0 equals 0
	}
	if b>>63 != 0 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	var out [8]byte
	binary.BigEndian.PutUint64(out[:], b)
	return out
}
