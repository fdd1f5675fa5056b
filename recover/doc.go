// Package recover is the salvage engine: it reads a damaged SQLite
// database (and its WAL) page by page with the project's own reader, puts
// every row that physically survives back into the table it came from, and
// writes a fresh, healthy database plus a report of what was saved and
// what was lost.
//
// A repair runs in stages:
//
//  1. Open the input read-only. The page size and reserve come from the
//     header when its pages agree, else from the metadata backup, else from
//     detection over the pages; committed WAL frames are overlaid.
//  2. Plan the schema: sqlite_master when it parses, the metadata backup
//     for every object it knows (it wins when page 1 disagrees or is gone).
//     Every CREATE statement, from either source, is data until SQLite has
//     accepted it in a scratch database as one statement creating the one
//     object it claims (see sandbox).
//  3. Walk each table's b-tree from its root and load its rows, in key
//     order, into the new database. A bad cell loses that cell only. The
//     tables package bulk can write get their b-trees written directly
//     once every row is decided; a row whose record is already what
//     SQLite would store goes to it as the file stores it (keepStored).
//  4. Scan every page no walk reached. Orphan subtrees and leaves are given
//     to tables by the metadata backup's page lists (a leaf whose CRC still
//     matches ranks above a walked page), by the pointer map, and by record
//     shape; what cannot be placed goes to lost_and_found_N tables, one per
//     orphan b-tree, with provenance columns.
//  5. Keep one row per key: WAL page > CRC-verified page > walked page >
//     orphan page; the report counts what was dropped.
//  6. Create indexes, views and triggers after the rows (so no trigger
//     fires during the load), then sqlite_sequence, user_version and
//     application_id, and check the result with PRAGMA integrity_check.
//
// The input and its WAL are never written: they are opened read-only and
// the output goes to a temporary file renamed into place.
package recover
