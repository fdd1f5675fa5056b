package bulk

import "github.com/dbrescue/dbrescue/btree"

// Value is one encoded record field: its serial type and body.
type Value struct {
	Type uint64
	Body []byte
}

// EncodeValue encodes a Go value (nil, int64, float64, string, []byte) as
// a record field in the given text encoding.
func EncodeValue(v any, encoding uint32) (Value, error) {
	t, err := btree.ValueSerialType(v, encoding)
	if err != nil {
		return Value{}, err
	}
	return Value{Type: t, Body: btree.AppendValueBody(nil, v, t, encoding)}, nil
}

// Source is where one field of an index entry comes from: a field of the
// row's record (Field >= 0; a record too short to have it gives Default,
// as SQLite reads a column added after the row was written), or the row's
// rowid (Field == RowidField).
type Source struct {
	Field   int
	Default Value
}

// RowidField marks a Source that takes the rowid.
const RowidField = -1

// Recipe turns a row into the entry of an index b-tree: the fields named
// by Sources, in order, as one record. The fields are copied as stored,
// never decoded: an index holds the very values of its table.
type Recipe struct {
	Sources []Source
}

// AppendEntry appends the entry for the row (rowid, record) to dst.
// fields is scratch space for the row's fields.
func (rc *Recipe) AppendEntry(dst []byte, rowid int64, record []byte, fields []Value) ([]byte, []Value, error) {
	fields = fields[:0]
	fr := newFieldReader(record)
	for {
		t, body, ok := fr.next()
		if !ok {
			break
		}
		fields = append(fields, Value{Type: t, Body: body})
	}
	if fr.bad {
		return dst, fields, ErrBadRecord
	}
	var rowidBody [8]byte
	var small [16]uint64
	types := small[:0]
	typesLen := 0
	pick := func(s Source) Value {
		switch {
		case s.Field == RowidField:
			t := btree.IntSerialType(rowid)
			return Value{Type: t, Body: btree.AppendValueBody(rowidBody[:0], rowid, t, 0)}
		case s.Field < len(fields):
			return fields[s.Field]
		}
		return s.Default
	}
	for _, s := range rc.Sources {
		v := pick(s)
		types = append(types, v.Type)
		typesLen += btree.VarintLen(v.Type)
	}
	dst = btree.AppendRecordHeader(dst, types, typesLen)
	for _, s := range rc.Sources {
		dst = append(dst, pick(s).Body...)
	}
	return dst, fields, nil
}
