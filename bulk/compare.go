package bulk

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Collation is one of SQLite's built-in collating sequences.
type Collation uint8

// The built-in collations. BINARY compares the stored bytes (in the
// database's encoding); NOCASE and RTRIM are defined on UTF-8, so SQLite
// converts UTF-16 text before applying them, and so does Compare.
const (
	Binary Collation = iota
	NoCase
	RTrim
)

// ParseCollation names a built-in collation, case-insensitively; ok is
// false for any other (a custom collation the builder cannot apply).
func ParseCollation(name string) (c Collation, ok bool) {
	switch strings.ToUpper(name) {
	case "", "BINARY":
		return Binary, true
	case "NOCASE":
		return NoCase, true
	case "RTRIM":
		return RTrim, true
	}
	return 0, false
}

func (c Collation) String() string {
	return [...]string{"BINARY", "NOCASE", "RTRIM"}[c]
}

// Field is how one record field is ordered.
type Field struct {
	Coll Collation
	Desc bool
}

// Order is the order of an index b-tree: records compare field by field
// on their first len(Fields) fields, as SQLite's record comparison does.
// Unique > 0 asks that no two entries agree on their first Unique fields
// unless one of those is NULL (SQLite's UNIQUE); a WITHOUT ROWID table's
// tree sets Unique to len(Fields) and holds no NULL key.
type Order struct {
	Fields   []Field
	Unique   int
	Encoding uint32
}

// Compare orders two records by o. Fields past the end of a record sort
// before any value; a record whose header is damaged compares by its raw
// bytes after the fields that could be read, so that a sort over it still
// terminates with some total order.
func (o *Order) Compare(a, b []byte) int {
	c, _ := o.compare(a, b, len(o.Fields))
	return c
}

// compare compares the first n fields and also reports whether any of
// them is NULL in b.
func (o *Order) compare(a, b []byte, n int) (c int, bNull bool) {
	ra, rb := newFieldReader(a), newFieldReader(b)
	for i := 0; i < n; i++ {
		ta, va, oka := ra.next()
		tb, vb, okb := rb.next()
		if okb && tb == 0 {
			bNull = true
		}
		switch {
		case !oka && !okb:
			if ra.bad || rb.bad {
				return bytes.Compare(a, b), bNull
			}
			return 0, bNull
		case !oka:
			return -1, bNull
		case !okb:
			return 1, bNull
		}
		c = compareValues(ta, va, tb, vb, o.Fields[i].Coll, o.Encoding)
		if c != 0 {
			if o.Fields[i].Desc {
				c = -c
			}
			return c, bNull
		}
	}
	return 0, bNull
}

// fieldReader walks a record's serial types and bodies without decoding
// or allocating. A damaged header ends it with bad set.
type fieldReader struct {
	rec       []byte
	hdr, body int // next serial type, next body
	hdrEnd    int
	bad       bool
}

func newFieldReader(rec []byte) fieldReader {
	h, n := btree.Varint(rec)
	if n == 0 || h < uint64(n) || h > uint64(len(rec)) {
		return fieldReader{bad: true}
	}
	return fieldReader{rec: rec, hdr: n, body: int(h), hdrEnd: int(h)}
}

// next returns the next field's serial type and body.
func (r *fieldReader) next() (t uint64, body []byte, ok bool) {
	if r.bad || r.hdr >= r.hdrEnd {
		return 0, nil, false
	}
	t, n := btree.Varint(r.rec[r.hdr:r.hdrEnd])
	size := btree.SerialTypeSize(t)
	if n == 0 || size < 0 || size > int64(len(r.rec)-r.body) {
		r.bad = true
		return 0, nil, false
	}
	r.hdr += n
	body = r.rec[r.body : r.body+int(size)]
	r.body += int(size)
	return t, body, true
}

// typeClass orders SQLite's storage classes: NULL, numbers, text, blob.
func typeClass(t uint64) int {
	switch {
	case t == 0:
		return 0
	case t <= 9:
		return 1
	case t >= 13 && t%2 == 1:
		return 2
	}
	return 3
}

// compareValues compares two fields as SQLite does (sqlite3MemCompare).
func compareValues(ta uint64, va []byte, tb uint64, vb []byte, coll Collation, enc uint32) int {
	ca, cb := typeClass(ta), typeClass(tb)
	if ca != cb {
		return ca - cb
	}
	switch ca {
	case 0:
		return 0
	case 1:
		return compareNumbers(ta, va, tb, vb)
	case 2:
		return compareText(va, vb, coll, enc)
	}
	return bytes.Compare(va, vb)
}

// numberOf decodes a numeric field: an integer, or a real when isReal.
func numberOf(t uint64, v []byte) (i int64, r float64, isReal bool) {
	switch t {
	case 7:
		return 0, math.Float64frombits(binary.BigEndian.Uint64(v)), true
	case 8:
		return 0, 0, false
	case 9:
		return 1, 0, false
	}
	i = int64(int8(v[0]))
	for _, c := range v[1:] {
		i = i<<8 | int64(c)
	}
	return i, 0, false
}

func compareNumbers(ta uint64, va []byte, tb uint64, vb []byte) int {
	ia, ra, aReal := numberOf(ta, va)
	ib, rb, bReal := numberOf(tb, vb)
	switch {
	case !aReal && !bReal:
		return cmpOrdered(ia, ib)
	case aReal && bReal:
		return compareReals(ra, rb)
	case aReal:
		return -intFloatCompare(ib, ra)
	}
	return intFloatCompare(ia, rb)
}

func cmpOrdered[T int64 | int](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareReals orders reals; SQLite never stores a NaN (it binds one as
// NULL), but one read from a damaged record sorts below every other real,
// so that the order stays total.
func compareReals(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return -1
	}
	return 1
}

// intFloatCompare compares an integer with a real exactly, as SQLite's
// sqlite3IntFloatCompare does.
func intFloatCompare(i int64, r float64) int {
	if math.IsNaN(r) {
		return 1
	}
	if r < -9223372036854775808.0 {
		return 1
	}
	if r >= 9223372036854775808.0 {
		return -1
	}
	y := int64(r)
	if i < y {
		return -1
	}
	if i > y {
		return 1
	}
	s := float64(i)
	switch {
	case s < r:
		return -1
	case s > r:
		return 1
	}
	return 0
}

// compareText applies a collation to two stored texts.
func compareText(a, b []byte, coll Collation, enc uint32) int {
	if coll == Binary {
		return bytes.Compare(a, b)
	}
	if enc == pagefile.EncodingUTF16LE || enc == pagefile.EncodingUTF16BE {
		// SQLite converts with its own translator; for the valid UTF-16
		// the builder and SQLite write, it agrees with the reader's.
		a, b = []byte(btree.DecodeText(a, enc)), []byte(btree.DecodeText(b, enc))
	}
	if coll == RTrim {
		return bytes.Compare(bytes.TrimRight(a, " "), bytes.TrimRight(b, " "))
	}
	return noCase(a, b)
}

// noCase is SQLite's NOCASE: ASCII letters folded, compared over the
// shorter length up to a NUL byte in the first text (sqlite3StrNICmp),
// then by length.
func noCase(a, b []byte) int {
	n := min(len(a), len(b))
	r := 0
	i := 0
	for {
		if n <= 0 {
			n--
			break
		}
		n--
		if a[i] == 0 || lower(a[i]) != lower(b[i]) {
			break
		}
		i++
	}
	if n >= 0 {
		r = int(lower(a[i])) - int(lower(b[i]))
	}
	if r == 0 {
		r = len(a) - len(b)
	}
	return r
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// String describes the order, for messages.
func (o *Order) String() string {
	var parts []string
	for _, f := range o.Fields {
		s := f.Coll.String()
		if f.Desc {
			s += " DESC"
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("(%s) unique %d", strings.Join(parts, ", "), o.Unique)
}
