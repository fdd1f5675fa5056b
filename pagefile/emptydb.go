package pagefile

import "encoding/binary"

// EmptyDatabase returns the one-page database SQLite itself creates for
// geometry g, text encoding enc and auto_vacuum mode autoVacuum (0 none, 1
// full, 2 incremental): the header, and page 1 as an empty table leaf. A
// writer that needs a geometry SQLite cannot be asked for through
// database/sql (reserved bytes, which an encrypted database needs for the
// cipher's IV and HMAC) writes this file first and lets SQLite fill it:
// SQLite keeps the page size, reserve, encoding and auto_vacuum of an
// existing database.
func EmptyDatabase(g Geometry, enc uint32, autoVacuum uint32) []byte {
	page := make([]byte, g.PageSize)
	be := binary.BigEndian
	copy(page, Magic)
	stored := g.PageSize
	if stored == 65536 {
		stored = 1 // how the header spells 65536
	}
	be.PutUint16(page[16:], uint16(stored))
	page[18], page[19] = 1, 1 // rollback journal
	page[20] = byte(g.Reserved)
	page[21], page[22], page[23] = 64, 32, 32 // payload fractions, fixed by the format
	be.PutUint32(page[24:], 1)                // file change counter
	be.PutUint32(page[28:], 1)                // pages in the database
	be.PutUint32(page[44:], 4)                // schema format 4
	if autoVacuum != 0 {
		be.PutUint32(page[52:], 1) // largest root page: non-zero means auto_vacuum
		if autoVacuum == 2 {
			be.PutUint32(page[64:], 1)
		}
	}
	if enc < EncodingUTF8 || enc > EncodingUTF16BE {
		enc = EncodingUTF8
	}
	be.PutUint32(page[56:], enc)
	be.PutUint32(page[92:], 1)       // version-valid-for = change counter
	be.PutUint32(page[96:], 3046000) // SQLITE_VERSION_NUMBER of a writer
	page[HeaderSize] = 0x0d          // page 1: an empty table leaf
	be.PutUint16(page[HeaderSize+5:], uint16(g.Usable()))
	return page
}
