package recover_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

// newDB creates a rollback-journal database at dir/name and runs stmts on
// it. Its page size is 1024 so that small tables span several pages.
func newDB(t *testing.T, dir, name string, stmts ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	mustExec(t, db, append([]string{`PRAGMA page_size = 1024`}, stmts...)...)
	return path
}

// execOn runs stmts on the database at path.
func execOn(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	mustExec(t, db, stmts...)
}

// takeMeta writes a metadata backup of the database at path to out.
func takeMeta(t *testing.T, path, out string) string {
	t.Helper()
	m, err := master.Capture(context.Background(), path, master.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := master.WriteFile(out, m); err != nil {
		t.Fatal(err)
	}
	return out
}

// copyFile copies src to a new file dst.
func copyFile(t *testing.T, src, dst string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// zeroPages writes a copy of path with the given pages (page size 1024)
// zeroed.
func zeroPages(t *testing.T, path, out string, pgnos ...uint32) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pgnos {
		clear(b[(p-1)*1024 : p*1024])
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// repair runs a repair into a fresh output in dir and fails the test on
// error.
func repair(t *testing.T, in string, opts recover.Options) (*recover.Report, string) {
	t.Helper()
	if opts.Output == "" {
		f, err := os.CreateTemp(filepath.Dir(in), "out-*.db")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		os.Remove(f.Name())
		opts.Output = f.Name()
	}
	rep, err := recover.Repair(context.Background(), in, opts)
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	return rep, opts.Output
}

// rows reads every row of a query on the database at path, each row as a
// string per column with its type, so that 1, 1.0 and '1' differ.
func rows(t *testing.T, path, query string) [][]string {
	t.Helper()
	return queryRows(t, openDB(t, path), query)
}

// queryRows reads every row of a query on db, as rows does.
func queryRows(t *testing.T, db *sql.DB, query string) [][]string {
	t.Helper()
	var out [][]string
	for _, vals := range testdb.QueryAll(t, db, query) {
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprintf("%T:%v", v, v)
		}
		out = append(out, row)
	}
	return out
}

// sameRows fails unless query returns the same rows on both databases.
func sameRows(t *testing.T, want, got, query string) {
	t.Helper()
	if diff := cmp.Diff(rows(t, want, query), rows(t, got, query)); diff != "" {
		t.Errorf("%s (-original +repaired):\n%s", query, diff)
	}
}

// reasonCodes lists the codes of a report's reasons.
func reasonCodes(rep *recover.Report) []string {
	var out []string
	for _, r := range rep.Reasons {
		out = append(out, r.Code)
	}
	return out
}

// tableReport finds a table's report.
func tableReport(t *testing.T, rep *recover.Report, name string) *recover.TableReport {
	t.Helper()
	for _, tr := range rep.Tables {
		if tr.Name == name {
			return tr
		}
	}
	t.Fatalf("no table %q in the report", name)
	return nil
}
