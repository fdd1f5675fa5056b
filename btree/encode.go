package btree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf16"
	"unicode/utf8"

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
	return 0, fmt.Errorf("%w: %T", ErrUnencodable, v)
}

// TextSize is the number of bytes s takes in the given text encoding.
func TextSize(s string, encoding uint32) int {
	if encoding != pagefile.EncodingUTF16LE && encoding != pagefile.EncodingUTF16BE {
		return len(s)
	}
	n := 0
	for _, r := range s {
		n += 2 * utf16.RuneLen(r)
	}
	return n
}

// AppendText appends s in the given text encoding. UTF-8 is copied as is;
// for UTF-16 each invalid byte becomes U+FFFD (see ValidText).
func AppendText(dst []byte, s string, encoding uint32) []byte {
	if encoding != pagefile.EncodingUTF16LE && encoding != pagefile.EncodingUTF16BE {
		return append(dst, s...)
	}
	var pair [2]uint16
	for _, r := range s {
		units := pair[:1]
		if utf16.RuneLen(r) == 2 {
			r1, r2 := utf16.EncodeRune(r)
			pair[0], pair[1] = uint16(r1), uint16(r2)
			units = pair[:2]
		} else {
			pair[0] = uint16(r)
		}
		for _, u := range units {
			if encoding == pagefile.EncodingUTF16LE {
				dst = binary.LittleEndian.AppendUint16(dst, u)
			} else {
				dst = binary.BigEndian.AppendUint16(dst, u)
			}
		}
	}
	return dst
}

// ValidText reports whether s converts to the encoding as SQLite converts
// it: always for UTF-8 (stored as given), only for valid UTF-8 otherwise
// (SQLite's converter treats invalid bytes differently from Go's).
func ValidText(s string, encoding uint32) bool {
	if encoding != pagefile.EncodingUTF16LE && encoding != pagefile.EncodingUTF16BE {
		return true
	}
	return utf8.ValidString(s)
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
	types := small[:0]
	typesLen := 0
	for _, v := range vals {
		t, err := ValueSerialType(v, encoding)
		if err != nil {
			return dst, err
		}
		types = append(types, t)
		typesLen += VarintLen(t)
	}
	dst = AppendRecordHeader(dst, types, typesLen)
	for i, v := range vals {
		dst = AppendValueBody(dst, v, types[i], encoding)
	}
	return dst, nil
}

// AppendRecordHeader appends a record header for serial types whose varints
// take typesLen bytes together: the header size (which counts itself)
// followed by the types.
func AppendRecordHeader(dst []byte, types []uint64, typesLen int) []byte {
	h := typesLen + 1
	for VarintLen(uint64(h)) != h-typesLen {
		h = typesLen + VarintLen(uint64(h))
	}
	dst = AppendVarint(dst, uint64(h))
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
