package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/dbpage"
)

// newDB creates a database with rows messages in dir (WAL or rollback
// journal mode) and returns its path and a writer connection pool of one.
func newDB(t *testing.T, dir string, wal bool, rows int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(dir, "app.db")
	mode := "DELETE"
	if wal {
		mode = "WAL"
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode("+mode+")&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE msg(id INTEGER PRIMARY KEY, body TEXT, att BLOB)`,
		`CREATE INDEX msg_body ON msg(body)`,
		`CREATE TABLE counter(n INTEGER)`,
		`INSERT INTO counter VALUES(0)`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		 INSERT INTO msg(body, att) SELECT printf('message %%d %%.*c', i, i %% 200, 'x'), randomblob(i %% 3000) FROM n`, rows),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return path, db
}

// snapshotPages reads every page of the database at path through SQLite
// (sqlite_dbpage, WAL included) in one read transaction.
func snapshotPages(t *testing.T, path string) [][]byte {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK") //nolint:errcheck // read-only
	src, err := dbpage.New(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := make([][]byte, src.PageCount())
	for i := range out {
		out[i] = make([]byte, src.PageSize())
		if err := src.ReadPage(uint32(i+1), out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// filePages splits a backup file into pages.
func filePages(t *testing.T, path string, pageSize int) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%pageSize != 0 {
		t.Fatalf("%s is %d bytes, not a whole number of %d-byte pages", path, len(b), pageSize)
	}
	var out [][]byte
	for off := 0; off < len(b); off += pageSize {
		out = append(out, b[off:off+pageSize])
	}
	return out
}

// rowsOf returns every row of msg and counter, in key order, with SQLite.
func rowsOf(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for _, q := range []string{`SELECT id, body, hex(att) FROM msg ORDER BY id`, `SELECT n, '', '' FROM counter`} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var a, b string
			if err := rows.Scan(&id, &a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d|%s|%s", id, a, b))
		}
		rows.Close()
	}
	return out
}

func sha(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return [32]byte{}
	}
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// mustRun runs a backup and fails the test on error.
func mustRun(t *testing.T, src, dst string, o Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), src, dst, o)
	if err != nil {
		t.Fatalf("backup of %s: %v", src, err)
	}
	return res
}

// mustVerify fails the test unless the backup at path verifies.
func mustVerify(t *testing.T, path string) *Report {
	t.Helper()
	r, err := Verify(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("backup %s does not verify: %v (bad pages %v, integrity %v)", path, r.Problems, r.BadPages, r.IntegrityCheck)
	}
	return r
}

// samePages fails the test unless the backup file holds exactly want.
func samePages(t *testing.T, backupPath string, want [][]byte) {
	t.Helper()
	got := filePages(t, backupPath, len(want[0]))
	if len(got) != len(want) {
		t.Fatalf("backup has %d pages, snapshot %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != string(want[i]) {
			t.Fatalf("page %d of the backup differs from the snapshot", i+1)
		}
	}
}

// backedUp builds a database (see newDB), takes a first backup of it as
// app.db.backup beside it, and returns the directory and both paths.
func backedUp(t *testing.T, wal bool, rows int) (dir, src, dst string) {
	t.Helper()
	dir = t.TempDir()
	src, _ = newDB(t, dir, wal, rows)
	dst = filepath.Join(dir, "app.db.backup")
	mustRun(t, src, dst, Options{})
	return dir, src, dst
}

// interrupted builds a WAL database of rows messages with a first backup
// (see backedUp), changes every fifth message, and stops the update of the
// backup dead at stage, as a kill would, leaving its journal behind.
func interrupted(t *testing.T, rows int, stage string) (dir, src, dst string) {
	t.Helper()
	dir, src, dst = backedUp(t, true, rows)
	db, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE msg SET body = 'v2 ' || id WHERE id % 5 = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), src, dst, Options{crashAt: stage}); !errors.Is(err, errCrash) {
		t.Fatalf("crash at %s: %v", stage, err)
	}
	return dir, src, dst
}
