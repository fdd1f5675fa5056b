package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

func TestExitCodes(t *testing.T) {
	db := newSampleDB(t)
	missing := filepath.Join(t.TempDir(), "no-such.db")
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"inspect", "--bogus", db}, exitUsage, "flag provided but not defined"},
		{[]string{"inspect", db, "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"inspect"}, exitUsage, "missing argument DB"},
		{[]string{"inspect", "--json"}, exitUsage, "missing argument DB"},
		{[]string{"inspect", db, "other.db"}, exitUsage, `unexpected argument "other.db"`},
		{[]string{"inspect", db, "--page"}, exitUsage, "flag needs an argument"},
		{[]string{"inspect", db, "--page", "abc"}, exitUsage, `invalid value "abc" for --page: it must be a whole number, 0 or more`},
		{[]string{"inspect", db, "--page", "0"}, exitUsage, "numbered from 1"},
		{[]string{"inspect", db, "--page", "100000"}, exitUsage, "--page 100000"},
		{[]string{"demo", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"nosuchcommand"}, exitUsage, `unknown command "nosuchcommand"`},
		{[]string{"help", "nosuchcommand"}, exitUsage, `no help topic for "nosuchcommand"`},
		{[]string{"--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{}, exitUsage, "no command given"},
		{[]string{"inspect", missing}, exitFailure, "no such file"},
		{[]string{"inspect", t.TempDir()}, exitFailure, "is a directory, not a database file"},
		{[]string{"inspect", empty}, exitFailure, "is empty"},
	} {
		r := runApp(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.inStderr) {
			t.Errorf("dbrescue %q: exit %d, stderr %q; want exit %d and %q in stderr", tc.args, r.code, r.stderr, tc.code, tc.inStderr)
		}
		if r.stdout != "" {
			t.Errorf("dbrescue %q: failure wrote to stdout: %q", tc.args, r.stdout)
		}
	}
}

func TestNotABTreeFileFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "noise.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, "inspect", path)
	if want := "no page parses at any page size; the first bytes look like text"; r.code != exitFailure || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr %q; want exit 1 saying %q", r.code, r.stderr, want)
	}
}

func TestExitCodeMapping(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{nil, exitOK},
		{errors.New("disk on fire"), exitFailure},
		{fmt.Errorf("repair: %w", usageErrorf("dbrescue repair", "missing argument OUT")), exitUsage},
		{fmt.Errorf("%w: 3 of 40 pages unreadable", ErrPartial), exitPartial},
		{fmt.Errorf("backup: %w", &outputs.ConflictError{Output: "a.db-wal", Input: "a.db-wal", How: outputs.HowCompanion}), exitUsage},
	} {
		if got := exitCode(tc.err, io.Discard); got != tc.code {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.code)
		}
	}
}

func TestEveryHelpHasAnExample(t *testing.T) {
	root := newRootCommand(io.Discard, io.Discard)
	helps := [][]string{{"--help"}}
	var walk func(path []string, cmds []*cli.Command)
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden || c.Name == "help" {
				continue
			}
			p := append(append([]string(nil), path...), c.Name)
			helps = append(helps, append(append([]string(nil), p...), "--help"))
			walk(p, c.Commands)
		}
	}
	walk(nil, root.Commands)
	for _, c := range root.Commands {
		helps = append(helps, []string{"help", c.Name})
	}
	for _, args := range helps {
		r := runApp(t, args...).mustSucceed(t)
		if !strings.Contains(r.stdout, "Examples:\n") || !strings.Contains(r.stdout, "   dbrescue ") {
			t.Errorf("dbrescue %q: help has no usage example:\n%s", args, r.stdout)
		}
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	r := runApp(t, "demo", "--dir", dir).mustSucceed(t)
	if _, err := master.ReadFile(filepath.Join(dir, demoDBName+".meta")); err != nil {
		t.Errorf("demo left no valid metadata backup: %v", err)
	}
	truth, err := corpus.RecordTruth(t.Context(), filepath.Join(dir, demoDBName))
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, tt := range truth.Tables {
		rows += len(tt.Rows)
	}
	all := fmt.Sprintf("All %d rows of %d tables are back, identical.", rows, len(truth.Tables))
	for _, want := range []string{"[1/5]", "[5/5]", "file is not a database", all} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("demo stderr lacks step %s:\n%s", want, r.stderr)
		}
	}
	for _, want := range []string{"Repaired ", ": COMPLETE", "messages", "integrity_check of the output: ok"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo report lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDemoKeepsItsDatabaseWhenAsked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := runApp(t, "demo", "--json", "--dir", dir).mustSucceed(t)
	var rep recover.Report
	decodeJSON(t, r.stdout, &rep)
	kept := filepath.Join(dir, demoDBName)
	got, want := map[string]int{}, map[string]int{}
	for _, tr := range rep.Tables {
		got[tr.Name] = tr.RowsWritten
		want[tr.Name] = int(sqliteInt(t, kept, `SELECT count(*) FROM "`+tr.Name+`"`))
	}
	if diff := cmp.Diff(want, got); diff != "" || len(got) == 0 || rep.Integrity != "ok" {
		t.Errorf("rows recovered per table (-kept database +repair report), integrity %q:\n%s", rep.Integrity, diff)
	}
	// A second run must not overwrite the kept database.
	if r := runApp(t, "demo", "--dir", dir); r.code != exitFailure || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second demo into %s: exit %d, stderr %q; want exit 1, already exists", dir, r.code, r.stderr)
	}
}
