// Package testdb builds SQLite databases of chosen geometry through
// modernc.org/sqlite for the reader's cross-check tests and fuzz seeds:
// page size, text encoding, auto_vacuum, reserved bytes, WAL with
// committed-but-not-checkpointed frames and an uncommitted tail, WITHOUT
// ROWID tables, indexes, deleted rows and values large enough to overflow.
// It is test support: the real corpus generators live in package corpus.
package testdb

import (
	"encoding/binary"
	"fmt"
	"os"
)

// Config chooses the geometry and content of a database.
type Config struct {
	PageSize   int
	Encoding   uint32 // 1 UTF-8, 2 UTF-16le, 3 UTF-16be
	AutoVacuum string // "none", "full" or "incremental"
	Reserved   int    // reserved bytes at the end of every page
	Rows       int    // rows in table t
	BigValues  bool   // add a few values up to 1 MB (long overflow chains)
	WAL        bool   // leave committed frames in the WAL, and an uncommitted tail
	Seed       int64
}

// Name is a short label for test names.
func (c Config) Name() string {
	enc := map[uint32]string{1: "utf8", 2: "utf16le", 3: "utf16be"}[c.Encoding]
	name := fmt.Sprintf("ps%d-%s-av_%s-res%d", c.PageSize, enc, c.AutoVacuum, c.Reserved)
	if c.BigValues {
		name += "-big"
	}
	if c.WAL {
		name += "-wal"
	}
	return name
}

// writeEmpty writes a valid one-page database whose header fixes the page
// size, reserve, text encoding and auto_vacuum mode. SQLite cannot be asked
// for reserved bytes through database/sql, so the empty file is written by
// hand exactly as SQLite's newDatabase would; SQLite then fills it.
func writeEmpty(path string, c Config) error {
	page := make([]byte, c.PageSize)
	copy(page, "SQLite format 3\x00")
	ps := c.PageSize
	if ps == 65536 {
		ps = 1
	}
	be := binary.BigEndian
	be.PutUint16(page[16:], uint16(ps))
	page[18], page[19] = 1, 1
	page[20] = byte(c.Reserved)
	page[21], page[22], page[23] = 64, 32, 32
	be.PutUint32(page[24:], 1) // change counter
	be.PutUint32(page[28:], 1) // database size in pages
	be.PutUint32(page[44:], 4) // schema format
	if c.AutoVacuum != "none" && c.AutoVacuum != "" {
		be.PutUint32(page[52:], 1)
		if c.AutoVacuum == "incremental" {
			be.PutUint32(page[64:], 1)
		}
	}
	be.PutUint32(page[56:], c.Encoding)
	be.PutUint32(page[92:], 1)       // version-valid-for = change counter
	be.PutUint32(page[96:], 3051000) // SQLITE_VERSION_NUMBER of the writer
	// Page 1: an empty table leaf whose content area starts at the usable end.
	page[100] = 0x0d
	be.PutUint16(page[105:], uint16(c.PageSize-c.Reserved))
	return os.WriteFile(path, page, 0o644)
}
