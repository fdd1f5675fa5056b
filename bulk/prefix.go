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
	var p prefixBuf
	fr := newFieldReader(rec)
fields:
	for i := range o.Fields {
		start := p.n
		t, v, ok := fr.next()
		exact := true
		switch {
		case !ok:
			// A missing field sorts before any value, descending or
			// not, as in Compare.
			p.put(0)
			break fields
		case t == 0:
			p.put(1)
		case t <= 9:
			p.put(2)
			iv, rv, isReal := numberOf(t, v)
			if !isReal {
				rv = float64(iv)
			}
			if math.IsNaN(rv) {
				// Never stored by SQLite; Compare puts it below every
				// other number, as eight zero bytes do.
				p.n = min(p.n+8, len(p.buf))
				exact = false
				break
			}
			f := orderedFloat(rv)
			p.putAll(f[:])
			exact = math.Abs(rv) < 1<<53
		default:
			if t%2 == 1 {
				p.put(3)
				if o.Fields[i].Coll != Binary {
					exact = false
					break
				}
			} else {
				p.put(4)
			}
			p.putEscaped(v)
			p.put(0)
			p.put(1)
		}
		if o.Fields[i].Desc {
			for j := start; j < p.n; j++ {
				p.buf[j] = ^p.buf[j]
			}
		}
		if !exact || p.n == len(p.buf) {
			break fields
		}
	}
	return binary.BigEndian.Uint64(p.buf[:8]), binary.BigEndian.Uint64(p.buf[8:])
}

// prefixBuf is the 16 bytes a prefix is written into; what does not fit
// is dropped.
type prefixBuf struct {
	buf [16]byte
	n   int
}

func (p *prefixBuf) put(b byte) {
	if p.n < len(p.buf) {
		p.buf[p.n] = b
		p.n++
	}
}

func (p *prefixBuf) putAll(b []byte) {
	p.n += copy(p.buf[p.n:], b)
}

// putEscaped puts text or blob bytes with each 0x00 followed by 0xff,
// until the buffer is full.
func (p *prefixBuf) putEscaped(v []byte) {
	for _, c := range v {
		if p.n == len(p.buf) {
			return
		}
		p.buf[p.n] = c
		p.n++
		if c == 0 {
			p.put(0xff)
		}
	}
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
