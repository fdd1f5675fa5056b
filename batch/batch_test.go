package batch

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "modernc.org/sqlite"
)

// makeDB writes a small healthy database of n rows at path.
func makeDB(t *testing.T, path string, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`,
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < ?) INSERT INTO notes SELECT i, printf('note %d', i) FROM c`,
	} {
		if _, err := db.Exec(q, n); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFind walks a tickets folder: databases with and without a header,
// their companions by name, files that are not databases, the output
// directory inside the input, and outputs mirroring the tree.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	tickets := filepath.Join(dir, "tickets")
	makeDB(t, filepath.Join(tickets, "1", "app.db"), 10)
	writeFile(t, filepath.Join(tickets, "1", "app.db-wal"), "wal")
	writeFile(t, filepath.Join(tickets, "1", "app.db-journal"), "journal")
	writeFile(t, filepath.Join(tickets, "1", "app.db.meta"), "meta")
	writeFile(t, filepath.Join(tickets, "1", "app.db.meta.prev"), "meta")
	writeFile(t, filepath.Join(tickets, "1", "app.db.backup"), "backup")
	writeFile(t, filepath.Join(tickets, "1", "app.db.backup.manifest"), "manifest")
	writeFile(t, filepath.Join(tickets, "2", "wiped.sqlite"), strings.Repeat("\x00", 4096)+"rows")
	makeDB(t, filepath.Join(tickets, "2", "cache"), 3) // no extension, SQLite's header
	writeFile(t, filepath.Join(tickets, "2", "readme.txt"), "the customer says")
	writeFile(t, filepath.Join(tickets, "2", "x.db.tmp-123"), "a temporary file")
	out := filepath.Join(tickets, "fixed")
	makeDB(t, filepath.Join(out, "old.db"), 1) // a previous run's output: not an input

	jobs, skipped, err := Find([]string{tickets}, true, out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range jobs {
		jobs[i].Size = 0
	}
	want := []Job{
		{Input: filepath.Join(tickets, "1", "app.db"), Output: filepath.Join(out, "1", "app.db"),
			WAL: filepath.Join(tickets, "1", "app.db-wal"), Journal: filepath.Join(tickets, "1", "app.db-journal"),
			Meta: filepath.Join(tickets, "1", "app.db.meta"), Backup: filepath.Join(tickets, "1", "app.db.backup")},
		{Input: filepath.Join(tickets, "2", "cache"), Output: filepath.Join(out, "2", "cache")},
		{Input: filepath.Join(tickets, "2", "wiped.sqlite"), Output: filepath.Join(out, "2", "wiped.sqlite")},
	}
	if diff := cmp.Diff(want, jobs); diff != "" {
		t.Errorf("jobs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Skipped{{Path: filepath.Join(tickets, "2", "readme.txt"), What: "text"}}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}

	// Files named directly: always jobs, mirrored below their common
	// directory.
	jobs, _, err = Find([]string{filepath.Join(tickets, "1", "app.db"), filepath.Join(tickets, "2", "readme.txt")}, false, filepath.Join(dir, "o"))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Output != filepath.Join(dir, "o", "1", "app.db") || jobs[1].Output != filepath.Join(dir, "o", "2", "readme.txt") {
		t.Errorf("files named directly: %+v", jobs)
	}

	for _, tc := range []struct {
		inputs    []string
		recursive bool
		out       string
		want      string
	}{
		{[]string{tickets}, false, out, "is a directory: give --recursive"},
		{[]string{tickets}, true, tickets, "is where the inputs are"},
	} {
		_, _, err := Find(tc.inputs, tc.recursive, tc.out)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Find(%q, %v, %q): %v, want an *InputError saying %q", tc.inputs, tc.recursive, tc.out, err, tc.want)
		}
	}
}

// TestHostileFilesStopNoOne runs healthy databases beside children that
// take too much memory, never finish and crash: each of those fails with
// its reason, the healthy ones are repaired, and nothing is left behind.
func TestHostileFilesStopNoOne(t *testing.T) {
	dir := t.TempDir()
	var jobs []Job
	for _, name := range []string{"a.db", "hog.db", "b.db", "hang.db", "crash.db", "c.db"} {
		in := filepath.Join(dir, "in", name)
		makeDB(t, in, 50)
		jobs = append(jobs, withCompanions(Job{Input: in, Output: filepath.Join(dir, "out", name)}))
	}
	old := grace
	grace = 200 * time.Millisecond
	defer func() { grace = old }()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	rep, err := Run(context.Background(), jobs, Options{Jobs: 2, Timeout: 3 * time.Second, Memory: 256 << 20, Executable: exe,
		OnDone: func(r *Result) { order = append(order, filepath.Base(r.Input)) }})
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct{ Status, Budget, Error string }
	got := map[string]outcome{}
	for _, r := range rep.Databases {
		o := outcome{r.Status, r.BudgetExceeded, ""}
		switch {
		case strings.Contains(r.Error, "crashed"):
			o.Error = "crashed"
		case r.Error != "":
			o.Error = "budget"
		}
		got[filepath.Base(r.Input)] = o
		if r.Status == StatusComplete && r.RowsRecovered != 50 {
			t.Errorf("%s: %d rows recovered, want 50", r.Input, r.RowsRecovered)
		}
	}
	want := map[string]outcome{
		"a.db": {StatusComplete, "", ""}, "b.db": {StatusComplete, "", ""}, "c.db": {StatusComplete, "", ""},
		"hog.db":   {StatusFailed, BudgetMemory, "budget"},
		"hang.db":  {StatusFailed, BudgetTime, "budget"},
		"crash.db": {StatusFailed, "", "crashed"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if len(order) != len(jobs) {
		t.Errorf("OnDone called for %v, want every database", order)
	}
	s := rep.Summary
	if s.Databases != 6 || s.Complete != 3 || s.Failed != 3 || s.RowsRecovered != 150 {
		t.Errorf("summary %+v", s)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"a.db", "b.db", "c.db"}, names); diff != "" {
		t.Errorf("output directory (-want +got):\n%s", diff)
	}
}
