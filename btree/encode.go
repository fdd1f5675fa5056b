package btree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"

	"github.com/dbrescue/dbrescue/pagefile"
)

// This file is the inverse of record.go: it encodes values as SQLite
// writes them, so that what DecodeRecord reads back is what was encoded and
// a record written here is byte-identical to SQLite's for the same values.

// ErrUnencodable is returned for a Go value that has no record encoding.
var ErrUnencodable = errors.New("btree: value has no record encoding")

// Serial types SQLite uses for the integers 0 and 1 when the schema format
// is 4 (every database created since 3.7.10 unless legacy_file_format is
// on): the value lives in the type, with no body.
const (
	serialZero = 8
	serialOne  = 9
)

// IntSerialType is the serial type SQLite chooses for integer v: the
// smallest of 1, 2, 3, 4, 6 or 8 bytes that holds it, and the bodiless 8
// and 9 for 0 and 1.
func IntSerialType(v int64) uint64 {
	if v == 0 {
		return serialZero
	}
	if v == 1 {
		return serialOne
	}
	u := uint64(v)
	if v < 0 {
		u = ^u
	}
	switch {
	case u <= 127:
		return 1
	case u <= 32767:
		return 2
	case u <= 8388607:
		return 3
	case u <= 2147483647:
		return 4
	case u <= 0x7fffffffffff:
		return 5
	}
	return 6
}

// ValueSerialType is the serial type of a value DecodeRecord returns (nil,
// int64, float64, string, []byte) once text is in the given encoding.
// A nil []byte is NULL, as SQLite binds it.
func ValueSerialType(v any, encoding uint32) (uint64, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return IntSerialType(v), nil
	case float64:
		if math.IsNaN(v) {
			return 0, nil // SQLite stores a NaN it is given as NULL
		}
		return 7, nil
	case string:
		return uint64(TextSize(v, encoding))*2 + 13, nil
	case []byte:
		if v == nil {
			return 0, nil
		}
		return uint64(len(v))*2 + 12, nil
	}
	// The type's name, not v: v passed on would escape, and every
	// caller's boxed value would be allocated on the heap.
	return 0, fmt.Errorf("%w: %s", ErrUnencodable, reflect.TypeOf(v))
}

// TextSize is the number of bytes s takes in the given text encoding, as
// AppendText writes it.
func TextSize(s string, encoding uint32) int {
	if encoding != pagefile.EncodingUTF16LE && encoding != pagefile.EncodingUTF16BE {
		return len(s)
	}
	n := 0
	for i := 0; i < len(s); {
		var c uint32
		c, i = readUTF8(s, i)
		n += 2
		if c > 0xffff {
			n += 2
		}
	}
	return n
}

// AppendText appends s in the given text encoding exactly as SQLite
// converts text bound to a statement: UTF-8 is stored as given, valid or
// not; for UTF-16 each character is read with SQLite's READ_UTF8 rules
// (a stray byte stands for itself, an overlong form or a surrogate becomes
// U+FFFD; U+FFFE and U+FFFF stay) and written with its WRITE_UTF16 rules, so a string whose UTF-8
// is invalid is stored as SQLite would store it.
func AppendText(dst []byte, s string, encoding uint32) []byte {
	if encoding != pagefile.EncodingUTF16LE && encoding != pagefile.EncodingUTF16BE {
		return append(dst, s...)
	}
	le := encoding == pagefile.EncodingUTF16LE
	put := func(hi, lo byte) {
		if le {
			dst = append(dst, lo, hi)
		} else {
			dst = append(dst, hi, lo)
		}
	}
	for i := 0; i < len(s); {
		var c uint32
		c, i = readUTF8(s, i)
		if c <= 0xffff {
			put(byte(c>>8), byte(c))
			continue
		}
		put(byte(0xd8+((c-0x10000)>>18)&0x03), byte(((c>>10)&0x3f)+(((c-0x10000)>>10)&0xc0)))
		put(byte(0xdc+(c>>8)&0x03), byte(c))
	}
	return dst
}

// utf8Trans1 is SQLite's sqlite3Utf8Trans1: the payload bits of a UTF-8
// lead byte from 0xc0 up.
var utf8Trans1 = [64]byte{
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00,
}

// readUTF8 is SQLite's READ_UTF8: the character at s[i] and where the
// next one starts.
func readUTF8(s string, i int) (uint32, int) {
	c := uint32(s[i])
	i++
	if c >= 0xc0 {
		c = uint32(utf8Trans1[c-0xc0])
		for i < len(s) && s[i]&0xc0 == 0x80 {
			c = c<<6 + uint32(s[i]&0x3f)
			i++
		}
		if c < 0x80 || c&0xfffff800 == 0xd800 {
			c = 0xfffd
		}
	}
	return c, i
}

// AppendValueBody appends the body of v, whose serial type is t.
func AppendValueBody(dst []byte, v any, t uint64, encoding uint32) []byte {
	switch v := v.(type) {
	case int64:
		n := SerialTypeSize(t)
		for i := n - 1; i >= 0; i-- {
			dst = append(dst, byte(uint64(v)>>(8*uint(i))))
		}
	case float64:
		if t == 7 {
			dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v))
		}
	case string:
		dst = AppendText(dst, v, encoding)
	case []byte:
		dst = append(dst, v...)
	}
	return dst
}

// AppendRecord appends the record encoding of vals (nil, int64, float64,
// string or []byte, as DecodeRecord returns them) with text in the given
// encoding: a header of serial types, then the bodies. Integers take the
// smallest serial type, 0 and 1 the bodiless 8 and 9 (schema format 4).
func AppendRecord(dst []byte, vals []any, encoding uint32) ([]byte, error) {
	var small [16]uint64
	types, typesLen, err := appendSerialTypes(small[:0], vals, encoding)
	if err != nil {
		return dst, err
	}
	dst = AppendRecordHeader(dst, types, typesLen)
	for i, v := range vals {
		dst = AppendValueBody(dst, v, types[i], encoding)
	}
	return dst, nil
}

// appendSerialTypes appends the serial types of vals to types and returns
// them with the bytes their varints take.
func appendSerialTypes(types []uint64, vals []any, encoding uint32) ([]uint64, int, error) {
	typesLen := 0
	for _, v := range vals {
		t, err := ValueSerialType(v, encoding)
		if err != nil {
			return types, 0, err
		}
		types = append(types, t)
		typesLen += VarintLen(t)
	}
	return types, typesLen, nil
}

// AppendRecordHeader appends a record header for serial types whose varints
// take typesLen bytes together: the header size (which counts itself)
// followed by the types.
func AppendRecordHeader(dst []byte, types []uint64, typesLen int) []byte {
	dst = AppendVarint(dst, uint64(recordHeaderSize(typesLen)))
	for _, t := range types {
		dst = AppendVarint(dst, t)
	}
	return dst
}

// VarintLen is the number of bytes AppendVarint uses for v.
func VarintLen(v uint64) int {
	if v > 0x00ffffffffffffff {
		return 9
	}
	n := 1
	for v >>= 7; v != 0; v >>= 7 {
		n++
	}
	return n
}
