package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/corpus"
)

func TestScoreAgainstItself(t *testing.T) {
	db := newSampleDB(t)
	r := runApp(t, "score", db, "--original", db, "--json").mustSucceed(t)
	var rep scoreReport
	decodeJSON(t, r.stdout, &rep)
	n := int(sqliteInt(t, db, `SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM conversations) +
		(SELECT count(*) FROM messages) + (SELECT count(*) FROM attachments) + (SELECT count(*) FROM reactions)`))
	want := corpus.TableScore{Table: "total", Original: n, Exact: n, Anywhere: n, Repaired: n}
	if diff := cmp.Diff(want, rep.Total); diff != "" {
		t.Errorf("total (-want +got):\n%s", diff)
	}
	if rep.Original != db || rep.Repaired != db || rep.HasCeiling {
		t.Errorf("report header %q %q ceiling %v", rep.Original, rep.Repaired, rep.HasCeiling)
	}
}

// TestScoreWithDamage scores the damaged file itself (SQLite reads what it
// can of it) with the ceiling from corrupt's JSON.
func TestScoreWithDamage(t *testing.T) {
	db := newSampleDB(t)
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.db")
	r := runApp(t, "corrupt", "--kind", "zero-page", "--target", "leaf", "--seed", "2", "-o", broken, "--json", db).mustSucceed(t)
	damage := filepath.Join(dir, "damage.json")
	writeFile(t, damage, r.stdout)

	r = runApp(t, "score", "--original", db, "--damage", damage, broken).mustSucceed(t)
	for _, want := range []string{"TABLE", "CEILING", "messages", "total", "reading stopped early"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("score text lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runApp(t, "score", "--original", db, "--damage", damage, "--json", broken).mustSucceed(t)
	var rep scoreReport
	decodeJSON(t, r.stdout, &rep)
	if !rep.HasCeiling || rep.Total.Ceiling >= rep.Total.Original || rep.Total.Exact > rep.Total.Ceiling {
		t.Errorf("zeroing a leaf: exact %d, ceiling %d of %d; want exact <= ceiling < original", rep.Total.Exact, rep.Total.Ceiling, rep.Total.Original)
	}
}

func TestScoreErrors(t *testing.T) {
	db := newSampleDB(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, `{"nothing": 1}`)
	for _, tc := range []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"score", db}, exitUsage, "original"},
		{[]string{"score", "--original", db}, exitUsage, "missing argument REPAIRED"},
		{[]string{"score", "--original", db, db, db}, exitUsage, "unexpected argument"},
		{[]string{"score", "--original", db, "--damage", bad, db}, exitFailure, "no damage record"},
		{[]string{"score", "--original", db, filepath.Join(t.TempDir(), "none.db")}, exitFailure, "no such file"},
	} {
		r := runApp(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.inStderr) || r.stdout != "" {
			t.Errorf("dbrescue %q: exit %d, stderr %q; want exit %d and %q in stderr", tc.args, r.code, r.stderr, tc.code, tc.inStderr)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
