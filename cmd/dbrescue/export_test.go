package main

import (
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExportUsageErrors(t *testing.T) {
	db := newSampleDB(t)
	out := filepath.Join(t.TempDir(), "out")
	runApp(t, "export", db, "--format", "csv", "-o", out).mustSucceed(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", db, "--format", "xml"}, `--format "xml": use sql, csv or ndjson`},
		{[]string{"export", db, "--format", "csv", "-o", "-"}, "csv writes one file per table: give a directory, or one --table to write to stdout"},
		{[]string{"export", db, "--table", "nope"}, `no table "nope" in the database`},
		{[]string{"export", db, "--format", "csv", "-o", out}, "contacts.csv exists: give --force to replace it"},
		{[]string{"export", db, "--json"}, "--json and -o - both write to stdout"},
		{[]string{"export", db, "--blobs", "octal", "--format", "csv", "-o", t.TempDir()}, `unknown BLOB encoding "octal"`},
		{[]string{"repair", db, "--export", "xml"}, `--export "xml": use sql, csv or ndjson`},
	} {
		r := runApp(t, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("dbrescue %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}

// TestRepairExportsTheRepairedDatabase: repair --export csv writes
// OUT-csv/ with a file per table whose rows are the repaired database's.
func TestRepairExportsTheRepairedDatabase(t *testing.T) {
	db := newSampleDB(t)
	out := filepath.Join(t.TempDir(), "fixed.db")
	r := runApp(t, "repair", db, "-o", out, "--export", "csv").mustSucceed(t)
	if !strings.Contains(r.stdout, "Exported 5 tables from "+out+" to "+strings.TrimSuffix(out, ".db")+"-csv as csv") {
		t.Errorf("stdout does not report the export:\n%s", r.stdout)
	}
	got := readCSVFile(t, filepath.Join(strings.TrimSuffix(out, ".db")+"-csv", "conversations.csv"))
	conn, err := sql.Open("sqlite", out)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want := [][]string{{"id", "title", "kind", "created_at", "last_message_at", "muted"}}
	rows, err := conn.Query(`SELECT id, title, kind, created_at, last_message_at, muted FROM conversations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		rec := make([]sql.NullString, 6)
		if err := rows.Scan(&rec[0], &rec[1], &rec[2], &rec[3], &rec[4], &rec[5]); err != nil {
			t.Fatal(err)
		}
		row := make([]string, 6)
		for i, v := range rec {
			row[i] = v.String
		}
		want = append(want, row)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conversations.csv (-repaired database +csv):\n%s", diff)
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
