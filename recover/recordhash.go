package recover

import (
	"encoding/binary"
	"hash/maphash"
	"math"

	"github.com/dbrescue/dbrescue/btree"
)

// recordHash is hashValues(btree.DecodeRecord(payload, enc)) computed as
// the record is read, without decoding it into values: the cross-check
// hashes every entry of every index twice (in the damaged file and in the
// output), and decoding each into Go values costs more than the rest of
// the comparison. ok is false where DecodeRecord would fail or give no
// value, which the cross-check skips.
func recordHash(payload []byte, enc uint32) (h uint64, ok bool) {
	hs, n := btree.Varint(payload)
	if n == 0 || hs < uint64(n) || hs > uint64(len(payload)) {
		return 0, false
	}
	header := payload[n:hs]
	count := 0
	for pos := 0; pos < len(header); {
		t, m := btree.Varint(header[pos:])
		if m == 0 || t == 10 || t == 11 {
			return 0, false
		}
		count++
		pos += m
	}
	if count == 0 {
		return 0, false
	}
	var f maphash.Hash
	f.SetSeed(recordSeed)
	var buf [binary.MaxVarintLen64 + 9]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(count))
	f.Write(buf[:8])
	body := payload[hs:]
	for pos := 0; pos < len(header); {
		t, m := btree.Varint(header[pos:])
		pos += m
		size := btree.SerialTypeSize(t)
		if size > int64(len(body)) {
			return 0, false // a value cut short: DecodeRecord reports it
		}
		v := body[:size]
		body = body[size:]
		switch {
		case t == 0:
			f.WriteByte(0)
		case t <= 6 || t == 8 || t == 9:
			f.Write(intKey(buf[:0], valueInt(t, v)))
		case t == 7:
			r := math.Float64frombits(binary.BigEndian.Uint64(v))
			if r == math.Trunc(r) && math.Abs(r) < 1<<63 {
				f.Write(intKey(buf[:0], int64(r)))
			} else {
				f.Write(binary.BigEndian.AppendUint64(append(buf[:0], 2), math.Float64bits(r)))
			}
		case t%2 == 1:
			s := v
			if enc == 2 || enc == 3 {
				s = []byte(btree.DecodeText(v, enc))
			}
			f.Write(binary.AppendUvarint(append(buf[:0], 3), uint64(len(s))))
			f.Write(s)
		default:
			f.Write(binary.AppendUvarint(append(buf[:0], 4), uint64(len(v))))
			f.Write(v)
		}
	}
	return f.Sum64(), true
}

// recordSeed seeds the hashes of records: they are compared within one
// process only, so any seed does, and maphash is several times faster
// than a byte-at-a-time hash.
var recordSeed = maphash.MakeSeed()

// intKey is encodeKey's encoding of an integer.
func intKey(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, 1), uint64(v))
}

// valueInt decodes an integer serial type as DecodeRecord does.
func valueInt(t uint64, v []byte) int64 {
	switch t {
	case 8:
		return 0
	case 9:
		return 1
	}
	x := int64(int8(v[0]))
	for _, c := range v[1:] {
		x = x<<8 | int64(c)
	}
	return x
}
