package btree

import "testing"

// A freeblock's bytes may name serial types whose sizes, near 2^63 each,
// wrap when added: assemble must refuse them, not slice with the sum (a
// torn-write file panicked `repair --deleted` so).
func TestAssembleRefusesHugeSerialTypes(t *testing.T) {
	huge := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff} // a nine-byte varint: 2^64-1
	area := append([]byte{0}, huge...)
	area = append(area, huge...)
	area = append(area, make([]byte, 64)...)
	if rec, ok := assemble(area, 0, 0, nil, Shape{Fields: 2, Valid: func([]byte) bool { return true }}); ok {
		t.Errorf("assembled a record of %d bytes from two serial types of 2^63 bytes each", len(rec))
	}
}
