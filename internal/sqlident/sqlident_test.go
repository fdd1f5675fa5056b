package sqlident_test

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// TestQuoteRoundTrips creates a table and a column under hostile names
// through Quote and reads the names back from SQLite: each must come back
// exactly as given.
func TestQuoteRoundTrips(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, name := range []string{`plain`, `with "quotes"`, `"`, `a"; DROP TABLE x; --`, `select`, `'single'`, "new\nline", `ünïcode`, ` `} {
		if _, err := db.Exec(`CREATE TABLE ` + sqlident.Quote(name) + `(` + sqlident.Quote(name+"_c") + `)`); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		var table, column string
		if err := db.QueryRow(`SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.name = ?`, name).Scan(&table, &column); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if table != name || column != name+"_c" {
			t.Errorf("created %q(%q), SQLite has %q(%q)", name, name+"_c", table, column)
		}
		if _, err := db.Exec(`DROP TABLE ` + sqlident.Quote(name)); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
	}
}
