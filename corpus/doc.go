// Package corpus is dbrescue's measuring instrument: it builds databases that
// look like real mobile-app data, damages them the way devices do, and scores
// a repair against the ground truth row by row.
//
// Three parts, each usable from Go tests and from the CLI:
//
//   - Generate builds a messenger-style database (contacts, conversations,
//     messages with text and blobs large enough for overflow chains,
//     attachments, a WITHOUT ROWID table, an AUTOINCREMENT table, indexes, a
//     view, a trigger, and a column added by ALTER TABLE ADD COLUMN after rows
//     exist) with SQLite itself, deterministically from a Spec: the same Spec
//     gives byte-identical files, WAL included.
//   - Corrupt applies one named corruption (Kinds lists them) to a copy of a
//     database and returns a Damage saying which pages and which bytes it
//     destroyed. The input is only ever read; the output is written
//     atomically.
//   - RecordTruth records every row of the original through SQLite, with where
//     each row's bytes live (its cell and overflow pages, found with the
//     project's own b-tree reader), and Score compares a repaired database
//     with it. The rules are on Score and Scorecard.
//
// corpus sits above btree and pagefile and may use SQLite (modernc.org/sqlite):
// SQLite builds the databases and reads the truth, the b-tree reader finds the
// pages that corruptions aim at and that the ceiling is computed from. Nothing
// below corpus depends on it.
package corpus
