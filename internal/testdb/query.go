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
