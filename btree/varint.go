package btree

// MaxVarintLen is the longest encoding of a SQLite varint.
const MaxVarintLen = 9

// Varint decodes the SQLite variable-length integer at the start of b: one
// to nine bytes, big-endian, seven bits per byte with the high bit meaning
// "more", except that the ninth byte contributes all eight bits. It returns
// the value and the number of bytes read, or n == 0 when b ends first.
func Varint(b []byte) (v uint64, n int) {
	for i := 0; i < 8; i++ {
		if i >= len(b) {
			return 0, 0
		}
		c := b[i]
		v = v<<7 | uint64(c&0x7f)
		if c < 0x80 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}

// AppendVarint appends the SQLite varint encoding of v to b.
func AppendVarint(b []byte, v uint64) []byte {
	if v > 0x00ffffffffffffff {
		var buf [9]byte
		buf[8] = byte(v)
		v >>= 8
		for i := 7; i >= 0; i-- {
			buf[i] = byte(v&0x7f) | 0x80
			v >>= 7
		}
		return append(b, buf[:]...)
	}
	var buf [8]byte
	i := 7
	buf[i] = byte(v & 0x7f)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		buf[i] = byte(v&0x7f) | 0x80
	}
	return append(b, buf[i:]...)
}
