package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/internal/testdb"
)

// result is one in-process run of the CLI.
type result struct {
	code           int
	stdout, stderr string
}

// runApp runs dbrescue with args, as the shell would, and captures its
// exit code and output.
func runApp(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"dbrescue"}, args...), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// mustSucceed fails the test unless the run exited 0.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != exitOK {
		t.Fatalf("exit code %d, want 0\nstderr:\n%s", r.code, r.stderr)
	}
	return r
}

// newSampleDB builds the demo's sample database in a fresh directory.
func newSampleDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), demoDBName)
	if err := buildSample(context.Background(), path); err != nil {
		t.Fatalf("building the sample database: %v", err)
	}
	return path
}

// decodeJSON decodes a run's stdout into v, numbers kept as json.Number so
// integers survive exactly.
func decodeJSON(t *testing.T, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not the expected JSON document: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", out)
	}
}

// sqliteInt runs a query returning one integer with SQLite itself.
var sqliteInt = testdb.QueryInt

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// walModeCopy builds a WAL-mode database whose table notes holds 500
// rows, all committed into its WAL, and returns a copy of it and its WAL
// taken while the writer is still open (closing would checkpoint the WAL
// into the main file and delete it).
func walModeCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	conn, err := sql.Open("sqlite", live)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	for _, q := range []string{
		"PRAGMA journal_mode = WAL",
		"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500) INSERT INTO notes SELECT i, printf('note %d', i) FROM n",
	} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db := filepath.Join(dir, "copy.db")
	copyFile(t, live, db)
	copyFile(t, live+"-wal", db+"-wal")
	return db
}

// btreeByName finds a b-tree in a report.
func btreeByName(t *testing.T, rep *inspect.Report, name string) inspect.BTreeReport {
	t.Helper()
	b, ok := rep.BTree(name)
	if !ok {
		t.Fatalf("b-tree %q not in the report; have %+v", name, rep.BTrees)
	}
	return b
}
