package master

import (
	"io"

	"github.com/dbrescue/dbrescue/pagefile"
)

// SnapshotSource returns a source serving exactly the pages that snap
// (pages served by SQLite inside a read transaction, see package dbpage)
// sees: the database file, with WAL commits overlaid, when they provably
// equal the snapshot (many times faster), else snap itself. how is one of
// the ReadFrom constants. Close the Closer before the transaction ends.
// Package backup reads a snapshot's pages for an incremental backup this
// way, as Capture reads them for page lists.
func SnapshotSource(dbPath string, g pagefile.Geometry, snap pagefile.Source) (src pagefile.Source, how string, closer io.Closer, err error) {
	return snapshotSource(dbPath, g, snap)
}
