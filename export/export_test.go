package export

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/outputs"
)

// sqlite3Shell finds the real sqlite3 shell the script is written for.
func sqlite3Shell(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/local/bin/sqlite3", "/usr/bin/sqlite3"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("sqlite3"); err == nil {
		return p
	}
	t.Skip("no sqlite3 shell (apt-get install sqlite3)")
	return ""
}

// TestSQLScriptRebuildsTheDatabase replays the script in the sqlite3
// shell and wants every row of every table back, value and storage class,
// every object with its CREATE text, sqlite_sequence and user_version.
func TestSQLScriptRebuildsTheDatabase(t *testing.T) {
	shell := sqlite3Shell(t)
	src := sampleDB(t)
	before := dirState(t, filepath.Dir(src))
	out := filepath.Join(t.TempDir(), "export")
	rep, err := Export(context.Background(), src, Options{Format: SQL, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, dirState(t, filepath.Dir(src))); diff != "" {
		t.Errorf("the input's directory changed (-before +after):\n%s", diff)
	}
	script := filepath.Join(out, "app.sql")
	if diff := cmp.Diff([]string{script}, rep.Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	rebuilt := filepath.Join(t.TempDir(), "rebuilt.db")
	cmd := exec.Command(shell, rebuilt)
	in, err := os.Open(script)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cmd.Stdin = in
	if msg, err := cmd.CombinedOutput(); err != nil || len(msg) > 0 {
		t.Fatalf("sqlite3 %s < %s: %v\n%s", rebuilt, script, err, msg)
	}
	if diff := cmp.Diff(tableRows(t, src), tableRows(t, rebuilt)); diff != "" {
		t.Errorf("rows after replaying the script (-original +rebuilt):\n%s", diff)
	}
	if diff := cmp.Diff(schemaSQL(t, src), schemaSQL(t, rebuilt)); diff != "" {
		t.Errorf("schema after replaying the script (-original +rebuilt):\n%s", diff)
	}
	if got := queryString(t, rebuilt, "PRAGMA user_version"); got != "7" {
		t.Errorf("user_version %s, want 7", got)
	}
	if got := queryString(t, rebuilt, "SELECT group_concat(title) FROM docs WHERE docs MATCH 'searchable'"); got != "second" {
		t.Errorf("full-text search in the rebuilt database found %q, want second", got)
	}
	wantRows := map[string]int{"people": 5, `odd "name" / with, commas`: 3, "lost_and_found_1": 2, "docs": 0}
	gotRows := map[string]int{}
	for _, tr := range rep.Tables {
		if !strings.HasPrefix(tr.Name, "docs_") {
			gotRows[tr.Name] = tr.Rows
		}
	}
	if diff := cmp.Diff(wantRows, gotRows); diff != "" {
		t.Errorf("rows per table in the report (-want +got):\n%s", diff)
	}
}

// queryString runs q on the database at path with SQLite (the driver,
// which has FTS5 whichever shell wrote the file).
func queryString(t *testing.T, path, q string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// TestCSVFilesHoldEveryValue reads the CSV files back with encoding/csv
// and compares them with the values written.
func TestCSVFilesHoldEveryValue(t *testing.T) {
	for _, tc := range []struct {
		blobs BlobEncoding
		photo []string
	}{
		{Hex, []string{"00ff10", "", "", "2c22", "000000"}},
		{Base64, []string{"AP8Q", "", "", "LCI=", "AAAA"}},
	} {
		src := sampleDB(t)
		out := filepath.Join(t.TempDir(), "csv")
		rep, err := Export(context.Background(), src, Options{Format: CSV, Output: out, Blobs: tc.blobs})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"id", "name", "born", "score", "photo", "note"},
			{"1", "Ada", "1815-12-10", "0.1", tc.photo[0], ""},
			{"2", `O'Brien, "Pat"`, "2024-02-29 10:00:00", "1e+300", tc.photo[1], "line one\nline two"},
			{"3", "Zoë 日本", "", "+Inf", tc.photo[2], "42"},
			{"4", "", "", "0", tc.photo[3], "3.5"},
			{"5", "tab\tand \\r", "not a date", "", tc.photo[4], "01"},
		}
		if tc.blobs == Base64 {
			want[5][5] = "AQ=="
		}
		if diff := cmp.Diff(want, readCSV(t, filepath.Join(out, "people.csv"))); diff != "" {
			t.Errorf("people.csv with %s BLOBs (-want +got):\n%s", tc.blobs, diff)
		}
		odd := readCSV(t, filepath.Join(out, "odd__name____with__commas.csv"))
		if diff := cmp.Diff([][]string{{"k", "v", "doubled"}, {"a", "1", "2"}, {"b", "-9223372036854775808", "-1.8446744073709552e+19"}, {"c", "9223372036854775807", "1.8446744073709552e+19"}}, odd); diff != "" {
			t.Errorf("the table with an odd name (-want +got):\n%s", diff)
		}
		var laf *TableReport
		for _, tr := range rep.Tables {
			if tr.Name == "lost_and_found_1" {
				laf = tr
			}
		}
		if laf == nil || !laf.LostAndFound || laf.File != filepath.Join(out, "lost_and_found_1.csv") || laf.Rows != 2 {
			t.Errorf("lost_and_found_1 in the report: %+v", laf)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Errorf("%s: lines do not end in CRLF as RFC 4180 says", path)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// TestNDJSONToStdout writes one table to stdout, one object per row,
// keys in column order, and decodes it back.
func TestNDJSONToStdout(t *testing.T) {
	src := sampleDB(t)
	var stdout bytes.Buffer
	if _, err := Export(context.Background(), src, Options{Format: NDJSON, Output: Stdout, Stdout: &stdout, Tables: []string{"PEOPLE"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], `{"id":1,"name":"Ada","born":"1815-12-10","score":0.1,"photo":"00ff10","note":null}`) {
		t.Fatalf("ndjson:\n%s", stdout.String())
	}
	var got []map[string]any
	for _, l := range lines {
		dec := json.NewDecoder(strings.NewReader(l))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		got = append(got, m)
	}
	want := map[string]any{"id": json.Number("3"), "name": "Zoë 日本", "born": nil, "score": "Infinity", "photo": nil, "note": json.Number("42")}
	if diff := cmp.Diff(want, got[2]); diff != "" {
		t.Errorf("row 3 (-want +got):\n%s", diff)
	}
}

// TestRefusals: what export will not do, each a typed error, nothing
// written.
func TestRefusals(t *testing.T) {
	src := sampleDB(t)
	ctx := context.Background()
	var sink bytes.Buffer
	for _, tc := range []struct {
		name string
		opts Options
		want error
	}{
		{"csv of every table to stdout", Options{Format: CSV, Output: Stdout, Stdout: &sink}, ErrBadOption},
		{"unknown format", Options{Format: "xml", Output: t.TempDir()}, ErrBadOption},
		{"unknown table", Options{Format: CSV, Output: t.TempDir(), Tables: []string{"nope"}}, ErrNoSuchTable},
	} {
		if _, err := Export(ctx, src, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	if sink.Len() != 0 {
		t.Errorf("a refused export wrote %d bytes", sink.Len())
	}
	out := filepath.Join(t.TempDir(), "x")
	if _, err := Export(ctx, src, Options{Format: CSV, Output: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(ctx, src, Options{Format: CSV, Output: out}); !errors.Is(err, ErrOutputExists) {
		t.Errorf("a second export into the same directory without Force: %v, want ErrOutputExists", err)
	}
	// A database named data.sql exported as SQL into its own directory
	// would be written over: the outputs rule refuses, whatever Force says.
	named := filepath.Join(filepath.Dir(src), "data.sql")
	if err := os.Rename(src, named); err != nil {
		t.Fatal(err)
	}
	before := dirState(t, filepath.Dir(named))
	var conflict *outputs.ConflictError
	if _, err := Export(ctx, named, Options{Format: SQL, Output: filepath.Dir(named), Force: true}); !errors.As(err, &conflict) {
		t.Errorf("exporting data.sql as SQL into its own directory: %v, want a *outputs.ConflictError", err)
	}
	if diff := cmp.Diff(before, dirState(t, filepath.Dir(named))); diff != "" {
		t.Errorf("a refused export changed the input's directory (-before +after):\n%s", diff)
	}
}
