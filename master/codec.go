package master

import (
	"encoding/binary"
	"math"

	"github.com/dbrescue/dbrescue/pagefile"
)

// encoder appends the primitives of the metadata backup format: unsigned
// and zigzag varints, length-prefixed strings and byte strings, and page
// lists as zigzag deltas (walk order is mostly ascending, so most deltas
// take one byte).
type encoder struct{ b []byte }

func (e *encoder) uint(v uint64)  { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int64)    { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string)   { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bytes(b []byte) { e.uint(uint64(len(b))); e.b = append(e.b, b...) }

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) pages(ps []uint32) {
	e.uint(uint64(len(ps)))
	prev := int64(0)
	for _, p := range ps {
		e.int(int64(p) - prev)
		prev = int64(p)
	}
}

// decoder reads what encoder wrote from untrusted bytes. The first problem
// is kept in err and every later read returns a zero value, so decoding code
// reads straight through and checks once. Every count is checked against
// the bytes left before anything is allocated for it.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(reason string, args ...any) {
	if d.err == nil {
		d.err = formatErr(int64(d.off), pagefile.ErrBadValue, reason, args...)
	}
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad or truncated varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad or truncated varint")
		return 0
	}
	d.off += n
	return v
}

// u32 reads an unsigned varint that must fit in 32 bits.
func (d *decoder) u32() uint32 {
	v := d.uint()
	if v > math.MaxUint32 {
		d.fail("value %d does not fit 32 bits", v)
		return 0
	}
	return uint32(v)
}

// small reads an unsigned varint that must not exceed limit.
func (d *decoder) small(limit int) int {
	v := d.uint()
	if v > uint64(limit) {
		d.fail("value %d exceeds %d", v, limit)
		return 0
	}
	return int(v)
}

// count reads an element count, each element taking at least minSize bytes.
func (d *decoder) count(minSize int) int {
	n := d.uint()
	if left := uint64(len(d.b) - d.off); n > left/uint64(minSize) {
		d.fail("count %d cannot fit in the %d bytes left", n, left)
		return 0
	}
	return int(n)
}

func (d *decoder) raw(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b)-d.off {
		d.fail("%d bytes needed, %d left", n, len(d.b)-d.off)
		return nil
	}
	b := d.b[d.off : d.off+n]
	d.off += n
	return b
}

func (d *decoder) str() string   { return string(d.raw(d.count(1))) }
func (d *decoder) bytes() []byte { return append([]byte(nil), d.raw(d.count(1))...) }

func (d *decoder) bool() bool {
	b := d.raw(1)
	if b == nil {
		return false
	}
	if b[0] > 1 {
		d.fail("boolean byte %d", b[0])
		return false
	}
	return b[0] == 1
}

// pages reads a page list; every number must be a valid page number.
func (d *decoder) pages() []uint32 {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	out := make([]uint32, n)
	prev := int64(0)
	for i := range out {
		prev += d.int()
		if d.err == nil && (prev < 1 || prev > maxPageNumber) {
			d.fail("page number %d out of range", prev)
		}
		out[i] = uint32(prev)
	}
	return out
}

// maxPageNumber is the largest page number SQLite can address.
const maxPageNumber = 1<<32 - 2
