package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	want := readBuildVersion().String() + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}, {"-v"}} {
		r := runApp(t, args...).mustSucceed(t)
		if r.stdout != want || !strings.Contains(r.stdout, "built with "+runtime.Version()) {
			t.Errorf("dbrescue %q: %q, want %q with the Go version", args, r.stdout, want)
		}
	}
	var v buildVersion
	decodeJSON(t, runApp(t, "version", "--json").mustSucceed(t).stdout, &v)
	if v.Version == "" || v.Go != runtime.Version() {
		t.Errorf("version --json: %+v", v)
	}
	withCommit := buildVersion{Version: "v1.2.3", Commit: "abc123", Modified: true, Go: "go1.26.0", Platform: "linux/arm64"}
	if got, want := withCommit.String(), "dbrescue v1.2.3, commit abc123 (with uncommitted changes), built with go1.26.0 for linux/arm64"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestHelpAndUsage(t *testing.T) {
	db := newSampleDB(t)
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout, or stderr for a usage error
	}{
		{[]string{"repair", "g.db", "--help"}, exitOK, "dbrescue repair - salvage every readable row"},
		{[]string{"repair", "--json", "g.db", "-h"}, exitOK, "dbrescue repair - salvage every readable row"},
		{[]string{"meta", "show", "x.meta", "--help"}, exitOK, "dbrescue meta show - print every field"},
		{[]string{"meta", "--help"}, exitOK, "DESCRIPTION:\n   A metadata backup (dbrescue metabackup DB writes DB.meta)"},
		{[]string{"meta", "bogus", "x"}, exitUsage, `dbrescue meta: unknown command "bogus" (show, verify)`},
		{[]string{"meta"}, exitUsage, "dbrescue meta: no command given (show, verify)"},
		{[]string{"repair", db, "--no-wal", "--wal", "x-wal"}, exitUsage, "--wal and --no-wal cannot be used together"},
		{[]string{"inspect", db, "--no-journal", "--journal", "x-journal"}, exitUsage, "--journal and --no-journal cannot be used together"},
		{[]string{"corrupt", "--kind", "byte-flips", "--count", "0", db}, exitUsage, "--count 0: at least 1 byte"},
	} {
		r := runApp(t, tc.args...)
		got := r.stdout
		if tc.code != exitOK {
			got = r.stderr
		}
		if r.code != tc.code || !strings.Contains(got, tc.out) {
			t.Errorf("dbrescue %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.out)
		}
	}
}

// TestCorruptHelpSaysEachDefaultOnce: urfave/cli's own "(default: ...)"
// must not follow a default the usage already says.
func TestCorruptHelpSaysEachDefaultOnce(t *testing.T) {
	out := runApp(t, "corrupt", "--help").mustSucceed(t).stdout
	for _, line := range strings.Split(out, "\n") {
		if n := strings.Count(line, "(default"); n > 1 {
			t.Errorf("a default said %d times: %q", n, line)
		}
	}
	for _, want := range []string{"(default: 16)", "(default: leaf)", "(default: drawn from the seed)", "(default: 1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("corrupt --help lacks %q:\n%s", want, out)
		}
	}
}

func TestMetaShowJSONTimes(t *testing.T) {
	db := newSampleDB(t)
	meta := filepath.Join(t.TempDir(), "app.meta")
	before := time.Now()
	runApp(t, "metabackup", db, "-o", meta).mustSucceed(t)
	var doc map[string]any
	if err := json.Unmarshal([]byte(runApp(t, "meta", "show", "--json", meta).mustSucceed(t).stdout), &doc); err != nil {
		t.Fatal(err)
	}
	rfc := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)
	for _, k := range []string{"captured_at_time", "db_modified_time"} {
		s, _ := doc[k].(string)
		at, err := time.Parse(time.RFC3339Nano, s)
		if !rfc.MatchString(s) || err != nil || at.Before(before.Add(-time.Hour)) || at.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s = %v, want an RFC 3339 time of the capture", k, doc[k])
		}
	}
	if _, ok := doc["captured_at"].(float64); !ok {
		t.Errorf("captured_at (Unix nanoseconds, as before) is gone: %v", doc["captured_at"])
	}
}
