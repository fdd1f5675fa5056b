package btree

import "encoding/binary"

// OverflowNext is the page an overflow page's chain continues on, stored
// in its first four bytes; 0 ends the chain, and an image too short to
// hold the number gives 0.
func OverflowNext(page []byte) uint32 {
	if len(page) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(page)
}
