// Package census surveys a database file once and answers, for every page,
// the questions every other part of dbrescue asks: what is page N (a b-tree
// page of one of the four kinds, an overflow page, a freelist trunk or
// leaf, a pointer-map page, the lock-byte page, all zeros, unreadable, or
// none of these), which b-tree owns it, whether a second tree claims it
// too, and what damage the walks met. It also holds the one geometry
// policy: which page size, reserve and text encoding a file is read with.
//
// A census is taken after the journal and WAL overlay (package pagefile):
// it sees the committed database. It walks sqlite_master, then every
// b-tree sqlite_master names, then the roots the caller knows from
// elsewhere (a metadata backup's), then claims the freelist; every page
// left is judged by its content, and unreached b-tree pages are grouped
// into orphan trees (each topmost orphan page with what hangs below it).
// The first claim on a page wins; later claims are recorded as conflicts.
//
// inspect prints a census; recover takes its orphans and page ownership
// from one; the metadata backup's page lists and the corpus's layout are
// projections of one.
//
// What it does not know: what a table or a column is, or SQLite the
// library. A tree is a root page and the schema row that named it; whether
// a page's records fit a table is decided above, by package recover.
package census
