package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/internal/testdb"
)

func TestCorruptWritesDefaultOutputAndLeavesInput(t *testing.T) {
	db := newSampleDB(t)
	before := testdb.FileSHA256(t, db)
	r := runApp(t, "corrupt", db, "--kind", "zero-page1").mustSucceed(t)
	if testdb.FileSHA256(t, db) != before {
		t.Fatal("corrupt changed its input")
	}
	out := strings.TrimSuffix(db, ".db") + ".zero-page1.db"
	if !strings.Contains(r.stdout, "Wrote "+out) || !strings.Contains(r.stdout, "page 1 zeroed") {
		t.Errorf("report does not name %s and the damage:\n%s", out, r.stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := sqliteInt(t, db, "PRAGMA page_size")
	if !bytes.Equal(b[:pageSize], make([]byte, pageSize)) {
		t.Errorf("page 1 of %s is not zeroed", out)
	}
	// An existing output is kept unless --force.
	if r := runApp(t, "corrupt", "--kind", "zero-page1", "--seed", "2", db); r.code != exitFailure || !strings.Contains(r.stderr, "--force") {
		t.Errorf("second run: exit %d, stderr %q; want exit 1 suggesting --force", r.code, r.stderr)
	}
	runApp(t, "corrupt", "--kind", "zero-page1", "--force", db).mustSucceed(t)
}

func TestCorruptJSON(t *testing.T) {
	db := newSampleDB(t)
	out := filepath.Join(t.TempDir(), "flipped.db")
	r := runApp(t, "corrupt", "--kind", "byte-flips", "--count", "5", "--seed", "9", db, "-o", out, "--json").mustSucceed(t)
	var rep corruptReport
	decodeJSON(t, r.stdout, &rep)
	orig, _ := os.ReadFile(db)
	got, _ := os.ReadFile(out)
	changed := 0
	for i := range orig {
		if orig[i] != got[i] {
			changed++
		}
	}
	if changed != 5 || rep.Output != out || rep.Damage.Kind != corpus.ByteFlips || rep.Damage.Seed != 9 || rep.Damage.Files[0].BytesChanged != 5 {
		t.Errorf("%d bytes changed; report %+v", changed, rep)
	}
}

func TestCorruptList(t *testing.T) {
	r := runApp(t, "corrupt", "--list").mustSucceed(t)
	for _, k := range corpus.Kinds() {
		if !strings.Contains(r.stdout, string(k.Kind)+" ") {
			t.Errorf("--list lacks %s", k.Kind)
		}
	}
	r = runApp(t, "corrupt", "--list", "--json").mustSucceed(t)
	var kinds []corpus.KindInfo
	decodeJSON(t, r.stdout, &kinds)
	if diff := cmp.Diff(corpus.Kinds(), kinds); diff != "" {
		t.Errorf("--list --json (-want +got):\n%s", diff)
	}
}

func TestCorruptErrors(t *testing.T) {
	db := newSampleDB(t)
	out := filepath.Join(t.TempDir(), "out.db")
	for _, tc := range []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"corrupt", db}, exitUsage, "missing --kind"},
		{[]string{"corrupt", "--kind", "zero-page1"}, exitUsage, "missing argument DB"},
		{[]string{"corrupt", "--list", db}, exitUsage, "unexpected argument"},
		{[]string{"corrupt", "--kind", "melt", "-o", out, db}, exitUsage, `unknown corruption kind "melt"`},
		{[]string{"corrupt", "--kind", "truncate", "--target", "leaf", "-o", out, db}, exitUsage, "takes no target"},
		{[]string{"corrupt", "--kind", "zero-page", "--target", "branch", "-o", out, db}, exitUsage, "not one of"},
		{[]string{"corrupt", "--kind", "truncate", "--fraction", "2", "-o", out, db}, exitUsage, "not in (0, 1)"},
		{[]string{"corrupt", "--kind", "zero-page1", "-o", db, "--force", db}, exitUsage, "it is the input database"},
		{[]string{"corrupt", "--kind", "wal-frame-damaged", "-o", out, db}, exitFailure, "no WAL"},
		{[]string{"corrupt", "--kind", "zero-page1", "-o", out, filepath.Join(t.TempDir(), "none.db")}, exitFailure, "no such file"},
	} {
		r := runApp(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.inStderr) || r.stdout != "" {
			t.Errorf("dbrescue %q: exit %d, stderr %q, stdout %q; want exit %d and %q in stderr", tc.args, r.code, r.stderr, r.stdout, tc.code, tc.inStderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed corrupt wrote %s", out)
	}
}
