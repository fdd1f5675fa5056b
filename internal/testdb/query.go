package testdb

import (
	"database/sql"
	"testing"
)

// QueryInt runs a query returning one integer on the database at path,
// with SQLite itself, so that a test compares the project's reading with
// SQLite's. It opens path as it is: the test's own file.
func QueryInt(t testing.TB, path, query string, args ...any) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// QueryAll runs a query on db and returns every row's values as the
// driver gives them (database/sql copies blobs scanned into an any), for
// tests that compare what SQLite reads.
func QueryAll(t testing.TB, db *sql.DB, query string, args ...any) [][]any {
	t.Helper()
	rs, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}
