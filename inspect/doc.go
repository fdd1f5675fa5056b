// Package inspect describes a database file for a person or a script, as
// `dbrescue inspect` shows it: the geometry it is read with, every header
// field and what is wrong with it, what each page is used for, the
// freelist, the rollback journal, the WAL, the b-trees sqlite_master names
// and the damage met, or one page decoded cell by cell. It builds these
// documents from a census (package census): the file is surveyed once,
// under the one geometry policy, exactly as a repair surveys it, so
// inspect and repair can never read the same file differently.
//
// The documents are the JSON contract of `dbrescue inspect --json`
// (Report, PageDocument): field names are snake_case and only ever added,
// never renamed, removed or given a new meaning.
//
// What it does not know: SQLite the library (the file is read only through
// packages pagefile and btree), the command line, and how the documents
// are printed as text, which the CLI does beside its other reports.
package inspect
