package corpus

import (
	"encoding/binary"

	"github.com/dbrescue/dbrescue/pagefile"
)

// emptyDatabase returns the one-page database SQLite itself would create for
// the spec's page size, reserved bytes, text encoding and auto_vacuum mode.
// database/sql gives no way to ask SQLite for reserved bytes, so the
// generator writes this file and lets SQLite fill it: SQLite keeps the
// geometry and encoding of an existing database.
func emptyDatabase(s Spec) []byte {
	page := make([]byte, s.PageSize)
	be := binary.BigEndian
	copy(page, pagefile.Magic)
	stored := s.PageSize
	if stored == 65536 {
		stored = 1 // how the header spells 65536
	}
	be.PutUint16(page[16:], uint16(stored))
	page[18], page[19] = 1, 1 // rollback journal; WAL is switched on through SQLite
	page[20] = byte(s.Reserved)
	page[21], page[22], page[23] = 64, 32, 32 // payload fractions, fixed by the format
	be.PutUint32(page[24:], 1)                // file change counter
	be.PutUint32(page[28:], 1)                // pages in the database
	be.PutUint32(page[44:], 4)                // schema format 4
	if s.AutoVacuum != "none" {
		be.PutUint32(page[52:], 1) // largest root page: non-zero means auto_vacuum
	}
	if s.AutoVacuum == "incremental" {
		be.PutUint32(page[64:], 1)
	}
	be.PutUint32(page[56:], s.encodingCode())
	be.PutUint32(page[92:], 1) // valid for change counter 1
	// Page 1's b-tree: an empty table leaf, content area at the usable end.
	page[pagefile.HeaderSize] = 0x0d
	be.PutUint16(page[pagefile.HeaderSize+5:], uint16(s.PageSize-s.Reserved))
	return page
}
