// Package bulk writes SQLite b-trees directly into a database file, the
// way the file format (fileformat2.html) defines them, instead of having
// SQLite insert row by row: rows and index entries are sorted (with
// bounded memory, spilling runs to a temporary file), packed into leaf
// pages left to right with SQLite's local-payload and overflow rule, and
// interior levels are built bottom-up as the leaves fill.
//
// The unit of work is a File: a database SQLite created and closed (its
// sqlite_master, page 1 and header are SQLite's), whose empty b-trees the
// caller asks to fill. Each tree's pages are appended after the last page
// (skipping the lock-byte page), its top page is written over the empty
// root SQLite allocated, and on Close the header gets the new page count,
// a fresh change counter and any pages freed (Free) on the freelist. The
// result is a normal database: SQLite's integrity_check passes on it.
//
// What it knows: pages, cells, records (encoded with package btree, which
// decodes them), overflow chains, the freelist, the header fields a writer
// must keep consistent, and the order SQLite keeps index entries in: its
// type order (NULL < numbers < text < blob, integers and reals compared as
// numbers) and the BINARY, NOCASE and RTRIM collations. What it does not
// know: tables, columns, affinities, where rows come from or whether they
// belong where the caller puts them. Callers give it records that are
// already what SQLite would store, in the order they want; a tree checks
// that order (and uniqueness where asked) and refuses what breaks it.
//
// In an auto_vacuum database it keeps the pointer map: every page it
// writes or frees gets its entry. It never uses SQLite. Files with a
// schema format below 4 or in WAL mode are refused with ErrUnsupported.
package bulk
