package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// inspect --map writes the page map beside the report, atomically and
// nowhere else; an existing map is replaced only with --force; a map that
// is a file inspect reads, or asked with --page, is a usage error.
func TestInspectWritesAPageMap(t *testing.T) {
	db := newSampleDB(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "pages.html")
	before := testdb.Listing(t, filepath.Dir(db))
	text := runApp(t, "inspect", "--map", out, db).mustSucceed(t).stdout
	if !strings.Contains(text, "Pages by kind") {
		t.Errorf("inspect --map printed no report:\n%s", text)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<h1>Page map of messenger.db</h1>", `<g data-p="1-1" data-k="t0:table-leaf"`, "<h2>Legend</h2>"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the map lacks %q", want)
		}
	}
	testdb.SameListing(t, filepath.Dir(db), before)
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("the map's directory holds %v (%v), want the map alone", entries, err)
	}

	for _, args := range [][]string{
		{"inspect", "--map", out, db},
		{"inspect", "--map", db + "-wal", db},
		{"inspect", "--map", db, "--force", db},
		{"inspect", "--map", filepath.Join(dir, "other.html"), "--page", "1", db},
	} {
		if r := runApp(t, args...); r.code != exitUsage {
			t.Errorf("dbrescue %q: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	runApp(t, "inspect", "--map", out, "--force", db).mustSucceed(t)
}

// repair --map draws the damaged input with what became of each page:
// page 1, destroyed, is lost, and the leaves the metadata backup placed
// are recovered.
func TestRepairWritesAPageMap(t *testing.T) {
	_, meta, broken := brokenSample(t)
	dir := t.TempDir()
	out, pages := filepath.Join(dir, "fixed.db"), filepath.Join(dir, "pages.html")
	runApp(t, "repair", "--meta", meta, "-o", out, "--map", pages, broken).mustSucceed(t)
	html, err := os.ReadFile(pages)
	if err != nil {
		t.Fatal(err)
	}
	page1 := regexp.MustCompile(`<g data-p="1-1" data-k="zero" data-o="lost" class="bad"><title>page 1: zero, reached from table "sqlite_master" \(root 1\); repair: lost; damaged: every byte is zero`)
	leaves := regexp.MustCompile(`<g data-p="[0-9-]+" data-k="t[0-9]+:table-leaf" data-o="recovered"><title>`)
	if !page1.Match(html) || !leaves.Match(html) || !strings.Contains(string(html), `<li data-o="lost">`) {
		t.Errorf("the repair's map does not mark page 1 lost and table leaves recovered:\n%.3000s", html)
	}
	if r := runApp(t, "repair", "--meta", meta, "-o", filepath.Join(dir, "again.db"), "--map", filepath.Join(dir, "again.db-journal"), broken); r.code != exitUsage {
		t.Errorf("--map naming the output's journal: exit %d, want 2\n%s", r.code, r.stderr)
	}
	if r := runApp(t, "repair", "--meta", meta, "-o", filepath.Join(dir, "again.db"), "--map", meta, broken); r.code != exitUsage {
		t.Errorf("--map naming the metadata backup: exit %d, want 2\n%s", r.code, r.stderr)
	}
}
