package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/recover"
)

// brokenSample returns the sample database, its metadata backup, and a
// copy whose page 1 is destroyed.
func brokenSample(t *testing.T) (db, meta, broken string) {
	t.Helper()
	db = newSampleDB(t)
	runApp(t, "metabackup", db).mustSucceed(t)
	broken = filepath.Join(filepath.Dir(db), "broken.db")
	if err := destroyPage1(t.Context(), db, broken); err != nil {
		t.Fatal(err)
	}
	return db, db + ".meta", broken
}

func TestRepairCommand(t *testing.T) {
	db, meta, broken := brokenSample(t)
	before := testdb.FileSHA256(t, broken)

	// Flags after the argument, as support engineers type them. Page 1
	// is lost, but the metadata backup knows everything it held (the
	// freelist included): every row comes back, exit 0.
	r := runApp(t, "repair", broken, "--meta", meta, "--json")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var rep recover.Report
	decodeJSON(t, r.stdout, &rep)
	wantOut := strings.TrimSuffix(broken, ".db") + ".recovered.db"
	if rep.Output != wantOut || rep.Meta != meta || rep.Integrity != "ok" {
		t.Errorf("report: output %q meta %q integrity %q", rep.Output, rep.Meta, rep.Integrity)
	}
	if err := compareWithOriginal(t.Context(), db, wantOut, os.Stderr); err != nil {
		t.Errorf("recovered database differs from the original: %v", err)
	}
	if testdb.FileSHA256(t, broken) != before {
		t.Errorf("repair modified its input")
	}

	// The output exists now: refused without --force (a usage error),
	// replaced with it.
	if r := runApp(t, "repair", "--meta", meta, broken); r.code != exitUsage {
		t.Errorf("repair over an existing output: exit %d, want 2", r.code)
	}
	if r := runApp(t, "repair", "--force", "--meta", meta, broken); r.code != exitOK || !strings.Contains(r.stdout, ": COMPLETE") {
		t.Errorf("repair --force: exit %d\n%s", r.code, r.stdout)
	}
	// Without the metadata backup the rows are kept, in lost_and_found
	// tables: partial, exit 3, and the text report (on stdout) says why.
	out := filepath.Join(t.TempDir(), "nometa.db")
	if r := runApp(t, "repair", "-o", out, broken); r.code != exitPartial || !strings.Contains(r.stdout, ": PARTIAL") || !strings.Contains(r.stdout, "Why PARTIAL:\n  - ") {
		t.Errorf("repair without meta: exit %d\n%s", r.code, r.stdout)
	}
}

func TestRepairCommandExitCodes(t *testing.T) {
	db := newSampleDB(t)
	out := filepath.Join(t.TempDir(), "copy.db")
	if r := runApp(t, "repair", db, "-o", out); r.code != exitOK || !strings.Contains(r.stdout, "COMPLETE") || r.stderr != "" {
		t.Errorf("repair of a healthy database: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	noise := filepath.Join(t.TempDir(), "noise.db")
	if err := os.WriteFile(noise, []byte(strings.Repeat("not a database ", 4000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runApp(t, "repair", noise); r.code != exitFailure {
		t.Errorf("repair of noise: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if r := runApp(t, "repair"); r.code != exitUsage {
		t.Errorf("repair without DB: exit %d, want 2", r.code)
	}
	if r := runApp(t, "repair", filepath.Join(t.TempDir(), "missing.db")); r.code != exitFailure {
		t.Errorf("repair of a missing file: exit %d, want 1", r.code)
	}
}
