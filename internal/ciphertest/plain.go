package ciphertest

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// PlainRows returns every row of table in the unencrypted database at path,
// ordered as Tool.Rows orders them, read by SQLite (modernc.org/sqlite)
// read-only, in the same representation: nil, int64, float64, string,
// []byte.
func PlainRows(t testing.TB, path, table string) [][]any {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return testdb.QueryAll(t, db, fmt.Sprintf("SELECT * FROM %q ORDER BY 1", table))
}

// DecryptedCopy writes every page of f (an encrypted database opened
// through its cipher), decrypted, to a new plain file SQLite can read (the
// same pages, the same reserve; header bytes 18 and 19 set to rollback
// mode, the WAL being overlaid already), and returns its path.
func DecryptedCopy(t testing.TB, f *pagefile.File) string {
	t.Helper()
	var all []byte
	for pgno := uint32(1); pgno <= f.PageCount(); pgno++ {
		p, err := f.Page(pgno)
		if err != nil {
			t.Fatalf("page %d: %v", pgno, err)
		}
		all = append(all, p...)
	}
	all[18], all[19] = 1, 1
	path := filepath.Join(t.TempDir(), "decrypted.db")
	if err := os.WriteFile(path, all, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
