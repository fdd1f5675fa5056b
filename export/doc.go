// Package export gives a customer their data: it writes the tables of a
// (repaired) database as a SQL script that rebuilds it in the sqlite3 shell
// (like .dump: schema, then INSERTs inside BEGIN/COMMIT, then indexes,
// views and triggers), as one RFC 4180 CSV file per table with a header
// row, or as one NDJSON file per table with one object per row.
// lost_and_found tables (rows a repair kept without knowing their table)
// are exported like any other, under their own name, and the report marks
// them.
//
// The database is read through SQLite with package sqlitero, so nothing
// is ever created beside it; every value SQL text carries is quoted by
// SQLite's own quote() and every name by sqlident.Quote; CSV and JSON are
// written by encoding/csv and encoding/json. Each output file is written
// to a temporary file, synced and renamed into place (internal/fsutil),
// and may never be the input or a file of it (internal/outputs).
//
// What it does not know: damage. It exports what SQLite reads; a damaged
// database is repaired first (package recover), and `dbrescue repair
// --export` does both.
package export
