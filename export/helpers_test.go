package export

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// sampleStatements build a database with every storage class, awkward
// names and values, and every kind of object a script must recreate.
var sampleStatements = []string{
	"PRAGMA user_version = 7",
	`CREATE TABLE people (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, born DATE, score REAL, photo BLOB, note)`,
	`INSERT INTO people (name, born, score, photo, note) VALUES
		('Ada', '1815-12-10', 0.1, x'00ff10', NULL),
		('O''Brien, "Pat"', '2024-02-29 10:00:00', 1e300, x'', 'line one
line two'),
		('Zoë 日本', NULL, 9e999, NULL, 42),
		('', '', -0.0, x'2c22', 3.5),
		('tab	and \r', 'not a date', NULL, zeroblob(3), x'01')`,
	`CREATE TABLE "odd ""name"" / with, commas" (k TEXT PRIMARY KEY, v INTEGER, doubled INTEGER GENERATED ALWAYS AS (v * 2) VIRTUAL) WITHOUT ROWID`,
	`INSERT INTO "odd ""name"" / with, commas" (k, v) VALUES ('a', 1), ('b', -9223372036854775808), ('c', 9223372036854775807)`,
	`CREATE TABLE lost_and_found_1 (dbrescue_page INTEGER, dbrescue_cell INTEGER, c0, c1)`,
	`INSERT INTO lost_and_found_1 VALUES (12, 0, 'orphan', 1), (12, 1, NULL, x'beef')`,
	`CREATE INDEX people_by_name ON people(name)`,
	`CREATE VIEW adults AS SELECT name FROM people WHERE score > 0`,
	`CREATE TRIGGER people_ai AFTER INSERT ON people BEGIN UPDATE people SET note = 'trigger fired' WHERE id = new.id; END`,
	`CREATE VIRTUAL TABLE docs USING fts5(title, body)`,
	`INSERT INTO docs VALUES ('first', 'hello world'), ('second', 'searchable text')`,
}

// sampleDB builds the sample database in a fresh directory.
func sampleDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range sampleStatements {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// tableRows reads every row of every table (sqlite_sequence included) of
// the database at path as SQLite's quote() of each value, which keeps the
// storage class and the exact value, in key order.
func tableRows(t *testing.T, path string) map[string][][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	tables, _, err := readSchema(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]string{}
	for _, tb := range tables {
		if tb.virtual {
			continue
		}
		q, err := db.Query("SELECT " + selectList(tb.readable, "quote(%s)") + " FROM " + sqlident.Quote(tb.Name))
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for q.Next() {
			row := make([]string, len(tb.readable))
			dest := make([]any, len(row))
			for i := range row {
				dest[i] = &row[i]
			}
			if err := q.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row)
		}
		if err := q.Err(); err != nil {
			t.Fatal(err)
		}
		q.Close()
		sort.Slice(rows, func(i, j int) bool { return lessRow(rows[i], rows[j]) })
		out[tb.Name] = rows
	}
	return out
}

func lessRow(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// schemaSQL returns the CREATE text of every object by name.
func schemaSQL(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name, coalesce(sql, '') FROM sqlite_schema`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, s string
		if err := rows.Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		out[n] = s
	}
	return out
}

// dirState is the names and SHA-256 of every file in dir.
func dirState(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}
