package corpus

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// generated caches databases across tests: generation is deterministic,
// so tests that only read a database can share it. Tests that need their
// own copy copy it.
var (
	genMu    sync.Mutex
	genCache = map[string]*DB{}
	genDir   string
)

// sharedDB returns the database spec describes, generated once per test
// binary run. Callers must not modify it.
func sharedDB(t *testing.T, spec Spec) *DB {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if db := genCache[spec.Name()]; db != nil {
		return db
	}
	if genDir == "" {
		d, err := os.MkdirTemp("", "corpus-test-")
		if err != nil {
			t.Fatal(err)
		}
		genDir = d
	}
	db, err := Generate(context.Background(), genDir, spec)
	if err != nil {
		t.Fatal(err)
	}
	genCache[spec.Name()] = db
	return db
}

func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	os.Exit(code)
}

// The databases most tests use: rollback journal and WAL, both with
// deleted rows.
var (
	plainSpec = Spec{Seed: 1, Deletes: true}
	walSpec   = Spec{Seed: 1, Deletes: true, WAL: true}
)

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// openCopy opens a scratch copy of the database (and its WAL) with
// SQLite, so nothing SQLite does on open can change the file under test.
func openCopy(t *testing.T, path string) *sql.DB {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := fsutil.CopyFile(path, cp); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		if err := fsutil.CopyFile(path+"-wal", cp+"-wal"); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// integrity runs PRAGMA integrity_check on a copy and returns its first
// line, or the error SQLite gave.
func integrity(t *testing.T, path string) string {
	t.Helper()
	var s string
	if err := openCopy(t, path).QueryRow(`PRAGMA integrity_check`).Scan(&s); err != nil {
		return "error: " + err.Error()
	}
	return s
}

// queryInt runs a query returning one integer on a copy of the database.
func queryInt(t *testing.T, path, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := openCopy(t, path).QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
