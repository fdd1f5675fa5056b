package btree

import (
	"encoding/binary"
	"math"

	"github.com/dbrescue/dbrescue/pagefile"
)

// CanonicalRecord reports whether payload is a whole UTF-8 record laid out
// exactly as AppendRecord writes the values DecodeRecord reads from it:
// header and body sizes add up to the payload, every varint and integer
// takes the fewest bytes, 0 and 1 live in their serial types, and no real
// is a NaN (AppendRecord stores one as NULL). A repair may then copy such
// a record instead of decoding and encoding it again: the bytes are the
// same. It appends the serial types to dst (reused by a caller reading
// many records) and returns them with the header size.
func CanonicalRecord(dst []uint64, payload []byte, encoding uint32) (types []uint64, headerSize int, ok bool) {
	if encoding == pagefile.EncodingUTF16LE || encoding == pagefile.EncodingUTF16BE {
		return dst, 0, false // text converts on the way in and out
	}
	types, h, err := AppendRecordTypes(dst, payload)
	if err != nil {
		return types, h, false
	}
	typesLen := 0
	for _, t := range types {
		typesLen += VarintLen(t)
	}
	if recordHeaderSize(typesLen) != h {
		return types, h, false // a varint longer than it needs to be
	}
	pos := h
	for _, t := range types {
		size := SerialTypeSize(t)
		if size > int64(len(payload)-pos) {
			return types, h, false
		}
		v := payload[pos : pos+int(size)]
		pos += int(size)
		switch {
		case t >= 1 && t <= 6:
			if IntSerialType(decodeInt(v)) != t {
				return types, h, false
			}
		case t == 7:
			if math.IsNaN(math.Float64frombits(binary.BigEndian.Uint64(v))) {
				return types, h, false
			}
		}
	}
	return types, h, pos == len(payload)
}

// recordHeaderSize is the size AppendRecordHeader gives a header whose
// serial types take typesLen bytes: they and the size's own varint.
func recordHeaderSize(typesLen int) int {
	h := typesLen + 1
	for VarintLen(uint64(h)) != h-typesLen {
		h = typesLen + VarintLen(uint64(h))
	}
	return h
}

// AppendPrefixedRecord appends the record of prefix's values followed by
// the fields of record, a canonical record (CanonicalRecord) whose header
// is headerSize bytes: what AppendRecord writes for prefix and the
// record's decoded values together, without decoding them.
func AppendPrefixedRecord(dst []byte, prefix []any, record []byte, headerSize int, encoding uint32) ([]byte, error) {
	var small [8]uint64
	types, typesLen, err := appendSerialTypes(small[:0], prefix, encoding)
	if err != nil {
		return dst, err
	}
	recordTypes := record[VarintLen(uint64(headerSize)):headerSize]
	dst = AppendRecordHeader(dst, types, typesLen+len(recordTypes))
	dst = append(dst, recordTypes...)
	for i, v := range prefix {
		dst = AppendValueBody(dst, v, types[i], encoding)
	}
	return append(dst, record[headerSize:]...), nil
}
