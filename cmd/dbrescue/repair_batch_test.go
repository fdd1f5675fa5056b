package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// ticketsFolder lays out what a support engineer collects: a healthy
// database, one whose page 1 is wiped with its metadata backup beside it,
// the same without one, a text file and a file that looks encrypted.
func ticketsFolder(t *testing.T) (dir string, healthy string) {
	t.Helper()
	healthy = newSampleDB(t)
	dir = filepath.Join(t.TempDir(), "tickets")
	for _, d := range []string{"1", "2", "3", "4"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, healthy, filepath.Join(dir, "1", "app.db"))
	runApp(t, "metabackup", healthy, "-o", filepath.Join(dir, "2", "app.db.meta")).mustSucceed(t)
	wiped := wipePage1(t, healthy)
	copyFile(t, wiped, filepath.Join(dir, "2", "app.db"))
	copyFile(t, wiped, filepath.Join(dir, "3", "app.db"))
	if err := os.WriteFile(filepath.Join(dir, "3", "notes.txt"), []byte("customer says it crashed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "4", "secret.db"), randomish(16384), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, healthy
}

// wipePage1 returns a copy of db whose first 4096 bytes are zero.
func wipePage1(t *testing.T, db string) string {
	t.Helper()
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	clear(b[:4096])
	p := filepath.Join(t.TempDir(), "wiped.db")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// randomish is n bytes that look random (an xorshift stream).
func randomish(n int) []byte {
	b := make([]byte, n)
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

func TestRepairAFolder(t *testing.T) {
	dir, healthy := ticketsFolder(t)
	before := listDir(t, dir)
	hashes := map[string][32]byte{}
	for _, p := range before {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			hashes[p] = testdb.FileSHA256(t, p)
		}
	}
	out := filepath.Join(t.TempDir(), "fixed")
	r := runApp(t, "repair", "--recursive", dir, "-o", out, "--jobs", "2", "--export", "csv")
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1 (one database is no database)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range [][]string{
		{"COMPLETE", filepath.Join(dir, "1", "app.db"), "219 rows recovered, 0 in lost_and_found, 0 lost"},
		{"COMPLETE", filepath.Join(dir, "2", "app.db"), "219 rows recovered, 0 in lost_and_found, 0 lost"},
		{"PARTIAL", filepath.Join(dir, "3", "app.db")},
		{"FAILED", filepath.Join(dir, "4", "secret.db"), "looks encrypted (SQLCipher, WCDB's cipher)", "it needs the key"},
		{"Summary", "STATUS", "PEAK MEMORY"},
		{"1 file skipped, not databases (first: " + filepath.Join(dir, "3", "notes.txt") + ", text)"},
		{"4 databases: 2 complete, 1 partial, 1 failed"},
	} {
		if !containsInOrder(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Count(r.stdout, "/4] ") != 4 {
		t.Errorf("want one line per database as it finishes:\n%s", r.stdout)
	}
	for _, p := range []string{"1/app.db", "2/app.db", "3/app.db", "1/app-csv/contacts.csv", "2/app-csv/messages.csv"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("output %s: %v", p, err)
		}
	}
	for _, p := range []string{"4", "3/app.db.meta"} {
		if _, err := os.Stat(filepath.Join(out, p)); !os.IsNotExist(err) {
			t.Errorf("%s in the output directory: %v", p, err)
		}
	}
	// The repaired database 2 holds the healthy one's rows, read by SQLite.
	for _, table := range []string{"contacts", "messages", "reactions"} {
		q := "SELECT count(*) FROM " + table
		if want, got := sqliteInt(t, healthy, q), sqliteInt(t, filepath.Join(out, "2", "app.db"), q); want != got {
			t.Errorf("%s: %d rows in the repaired ticket 2, %d in the original", table, got, want)
		}
	}
	after := listDir(t, dir)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the input folder changed (-before +after):\n%s", diff)
	}
	for p, h := range hashes {
		if testdb.FileSHA256(t, p) != h {
			t.Errorf("%s changed", p)
		}
	}
}

func TestRepairAFolderJSON(t *testing.T) {
	dir, _ := ticketsFolder(t)
	if err := os.RemoveAll(filepath.Join(dir, "3")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "4")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "fixed")
	r := runApp(t, "repair", "-r", dir, "-o", out, "--json")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0 (every database complete)\nstderr:\n%s", r.code, r.stderr)
	}
	var doc struct {
		Databases []struct {
			Input, Meta, Status string
			Rows                int `json:"rows_recovered"`
		}
		Summary struct{ Databases, Complete int }
	}
	decodeJSON(t, r.stdout, &doc)
	if doc.Summary.Databases != 2 || doc.Summary.Complete != 2 || doc.Databases[1].Meta != filepath.Join(dir, "2", "app.db.meta") || doc.Databases[1].Rows != 219 {
		t.Errorf("JSON document: %+v", doc)
	}
	if !strings.Contains(r.stderr, "COMPLETE") {
		t.Errorf("the lines per database do not go to stderr with --json:\n%s", r.stderr)
	}

	// --json-lines: a line per database, then the summary; exit 3 when
	// one is partial.
	copyFile(t, filepath.Join(dir, "2", "app.db"), filepath.Join(dir, "5.db"))
	r = runApp(t, "repair", "-r", dir, "-o", filepath.Join(t.TempDir(), "fixed"), "--json-lines")
	if r.code != exitPartial {
		t.Fatalf("exit %d, want 3\nstderr:\n%s", r.code, r.stderr)
	}
	var kinds []string
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var line struct{ Kind, Status string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		kinds = append(kinds, line.Kind+" "+line.Status)
	}
	want := []string{"database complete", "database complete", "database partial", "summary "}
	if len(kinds) == 4 && kinds[2] != "database partial" {
		// The lines come as the databases finish: any order.
		want = append(append([]string{}, kinds[:3]...), "summary ")
	}
	if diff := cmp.Diff(want, kinds); diff != "" || strings.Count(strings.Join(kinds, ","), "partial") != 1 {
		t.Errorf("json lines (-want +got):\n%s", diff)
	}
}

func TestRepairBatchUsageErrors(t *testing.T) {
	dir, _ := ticketsFolder(t)
	db := filepath.Join(dir, "1", "app.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"repair", dir, "-o", t.TempDir()}, "is a directory: give --recursive to repair the databases in it"},
		{[]string{"repair", db, db}, "several databases need -o OUTDIR"},
		{[]string{"repair", "-r", dir, "-o", dir}, "is where the inputs are"},
		{[]string{"repair", "-r", dir, "-o", t.TempDir(), "--meta", "x.meta"}, "--meta names one database's file"},
		{[]string{"repair", "-r", dir, "-o", t.TempDir(), "--jobs", "0"}, "--jobs 0: at least 1"},
		{[]string{"repair", "-r", dir, "-o", t.TempDir(), "--memory", "lots"}, `--memory "lots": a size such as 512MiB or 2GB`},
		{[]string{"repair", "-r", dir, "-o", t.TempDir(), "--json", "--json-lines"}, "--json and --json-lines cannot be used together"},
	} {
		r := runApp(t, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("dbrescue %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}
