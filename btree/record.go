package btree

import (
	"encoding/binary"
	"math"
	"unicode/utf16"

	"github.com/dbrescue/dbrescue/pagefile"
)

// SerialTypeSize is the number of body bytes a value of serial type t takes,
// or -1 for the reserved types 10 and 11.
func SerialTypeSize(t uint64) int64 {
	switch {
	case t <= 4:
		return int64(t)
	case t == 5:
		return 6
	case t == 6 || t == 7:
		return 8
	case t == 8 || t == 9:
		return 0
	case t == 10 || t == 11:
		return -1
	}
	return int64((t - 12) / 2)
}

// RecordHeader returns the serial types of a record and the size of its
// header. The header must lie inside payload and hold only whole varints;
// the number of types is bounded by the header size, so a hostile record
// cannot make it allocate more than its own length.
func RecordHeader(payload []byte) (types []uint64, headerSize int, err error) {
	return AppendRecordTypes(nil, payload)
}

// AppendRecordTypes is RecordHeader appending the serial types to dst, so
// that a caller reading many records reuses one slice.
func AppendRecordTypes(dst []uint64, payload []byte) (types []uint64, headerSize int, err error) {
	types = dst
	h, n := Varint(payload)
	if n == 0 {
		return nil, 0, corrupt(0, 0, ErrTruncated, "record header size varint is cut off")
	}
	if h < uint64(n) || h > uint64(len(payload)) {
		return nil, 0, corrupt(0, 0, ErrTruncated, "record header size %d outside [%d, %d]", h, n, len(payload))
	}
	headerSize = int(h)
	for pos := n; pos < headerSize; {
		t, m := Varint(payload[pos:headerSize])
		if m == 0 {
			return types, headerSize, corrupt(0, int64(pos), ErrBadValue, "serial type varint runs past the record header")
		}
		if t == 10 || t == 11 {
			return types, headerSize, corrupt(0, int64(pos), ErrBadValue, "reserved serial type %d", t)
		}
		types = append(types, t)
		pos += m
	}
	return types, headerSize, nil
}

// DecodeRecord decodes a record into Go values: nil, int64, float64, string
// (text, converted to UTF-8 from the database encoding) or []byte (blob).
//
// A payload shorter than its header says (a broken overflow chain) still
// yields every value that fits; a text or blob value cut by the end is
// returned as its available prefix, values after it as nil, and the error
// wraps ErrTruncated. Blob values alias payload.
func DecodeRecord(payload []byte, encoding uint32) ([]any, error) {
	types, pos, err := RecordHeader(payload)
	if err != nil && types == nil {
		return nil, err
	}
	values := make([]any, len(types))
	for i, t := range types {
		size := SerialTypeSize(t)
		avail := int64(len(payload) - pos)
		if size > avail {
			if t >= 12 && avail > 0 {
				values[i] = decodeBytes(t, payload[pos:], encoding)
			}
			return values, corrupt(0, int64(pos), ErrTruncated, "record value %d needs %d bytes, %d remain", i, size, avail)
		}
		v := payload[pos : pos+int(size)]
		pos += int(size)
		switch {
		case t == 0:
			values[i] = nil
		case t <= 6:
			values[i] = decodeInt(v)
		case t == 7:
			values[i] = math.Float64frombits(binary.BigEndian.Uint64(v))
		case t == 8:
			values[i] = int64(0)
		case t == 9:
			values[i] = int64(1)
		default:
			values[i] = decodeBytes(t, v, encoding)
		}
	}
	return values, err
}

// decodeInt decodes a big-endian two's-complement integer of 1 to 8 bytes.
func decodeInt(b []byte) int64 {
	v := int64(int8(b[0]))
	for _, c := range b[1:] {
		v = v<<8 | int64(c)
	}
	return v
}

func decodeBytes(t uint64, b []byte, encoding uint32) any {
	if t%2 == 0 {
		return b
	}
	return DecodeText(b, encoding)
}

// DecodeText converts stored text to a Go string. UTF-8 is returned as is,
// as SQLite does; UTF-16 is converted, a trailing odd byte dropped.
func DecodeText(b []byte, encoding uint32) string {
	if encoding != pagefile.EncodingUTF16LE && encoding != pagefile.EncodingUTF16BE {
		return string(b)
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if encoding == pagefile.EncodingUTF16LE {
			units[i] = binary.LittleEndian.Uint16(b[2*i:])
		} else {
			units[i] = binary.BigEndian.Uint16(b[2*i:])
		}
	}
	return string(utf16.Decode(units))
}

// LastInteger returns the last value of a record when it is an integer,
// without decoding the others: the rowid an index entry of a rowid table
// ends with. ok is false when the record does not parse, a value runs past
// the payload, or the last value is not an integer.
func LastInteger(payload []byte) (v int64, ok bool) {
	// The header is read in place, not into a slice: every entry of
	// every index is read this way.
	h, n := Varint(payload)
	if n == 0 || h < uint64(n) || h > uint64(len(payload)) {
		return 0, false
	}
	header := payload[n:h]
	pos, fields := int(h), 0
	var t uint64
	for at := 0; at < len(header); fields++ {
		if fields > 0 {
			if pos += int(SerialTypeSize(t)); pos > len(payload) {
				return 0, false
			}
		}
		var m int
		if t, m = Varint(header[at:]); m == 0 || t == 10 || t == 11 {
			return 0, false
		}
		at += m
	}
	if fields == 0 {
		return 0, false
	}
	size := int(SerialTypeSize(t))
	if t > 9 || pos+size > len(payload) {
		return 0, false
	}
	switch t {
	case 0, 7:
		return 0, false
	case 8:
		return 0, true
	case 9:
		return 1, true
	}
	return decodeInt(payload[pos : pos+size]), true
}
