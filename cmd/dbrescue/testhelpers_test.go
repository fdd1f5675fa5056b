package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	path := filepath.Join(t.TempDir(), sampleDBFileName)
	if err := buildSampleDB(context.Background(), path); err != nil {
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

// sqliteInt runs a query returning one integer, with SQLite itself, so
// tests compare dbrescue's reading with SQLite's.
func sqliteInt(t *testing.T, path, query string, args ...any) int64 {
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

func fileSHA256(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

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

// btreeByName finds a b-tree in a report.
func btreeByName(t *testing.T, rep *inspectReport, name string) btreeReport {
	t.Helper()
	for _, b := range rep.BTrees {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("b-tree %q not in the report; have %+v", name, rep.BTrees)
	return btreeReport{}
}
