package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWhatAFileIsWhenItIsNotADatabase runs every command that reads a
// database on things that are not one, and wants one sentence saying
// what each is, exit 1, nothing on stdout and nothing left beside it.
func TestWhatAFileIsWhenItIsNotADatabase(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noise := make([]byte, 40960)
	odd := make([]byte, 40961)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	for i := range odd {
		odd[i] = byte(r.Uint32())
	}
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	files := []struct {
		path string
		want []string // in stderr, in order
	}{
		{folder, []string{folder + " is a directory, not a database file"}},
		{write("empty.db", nil), []string{"empty.db is empty (0 bytes): there is nothing to read"}},
		{write("notes.db", []byte("Dear support,\nthe app crashed again\n")), []string{"notes.db is not a SQLite database:", `the first bytes look like text ("Dear support,")`}},
		{write("noise.db", odd), []string{"noise.db is not a SQLite database:", "the first bytes look like random data; if it is encrypted (SQLCipher, WCDB's cipher), it needs the key (--key-file)"}},
		{write("secret.db", noise), []string{"secret.db looks encrypted (SQLCipher, WCDB's cipher):", "a whole number of 4096-byte pages; it needs the key (--key-file)"}},
	}
	before := listDir(t, dir)
	for _, f := range files {
		for _, args := range [][]string{
			{"inspect", f.path},
			{"repair", f.path, "-o", filepath.Join(t.TempDir(), "out.db")},
			{"metabackup", f.path, "-o", filepath.Join(t.TempDir(), "out.meta")},
			{"backup", f.path, "-o", filepath.Join(t.TempDir(), "out.backup")},
			{"export", f.path, "-o", filepath.Join(t.TempDir(), "export")},
		} {
			if args[0] == "repair" && f.path == folder {
				continue // a directory is repair's batch mode: see TestRepairBatchUsageErrors
			}
			if args[0] == "backup" && filepath.Base(f.path) == "secret.db" {
				continue // backed up as ciphertext without the key: see TestBackupEncrypted
			}
			r := runApp(t, args...)
			if r.code != exitFailure || r.stdout != "" {
				t.Errorf("dbrescue %q: exit %d, stdout %q; want exit 1 and nothing on stdout", args, r.code, r.stdout)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines != 0 || !containsInOrder(r.stderr, f.want) {
				t.Errorf("dbrescue %q: stderr %q; want one line with %q", args, r.stderr, f.want)
			}
			for _, jargon := range []string{"census", "btree:", "sqlitero", "(26)", "master:"} {
				if strings.Contains(r.stderr, jargon) {
					t.Errorf("dbrescue %q: stderr %q shows %q", args, r.stderr, jargon)
				}
			}
		}
	}
	if after := listDir(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("files beside the inputs changed: before %q, after %q", before, after)
	}
}

// TestOutputInAMissingDirectory wants the output named, not a
// temporary file, and nothing written.
func TestOutputInAMissingDirectory(t *testing.T) {
	db := newSampleDB(t)
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	for _, args := range [][]string{
		{"repair", db, "-o", filepath.Join(missing, "fixed.db")},
		{"metabackup", db, "-o", filepath.Join(missing, "app.meta")},
		{"backup", db, "-o", filepath.Join(missing, "app.backup")},
		{"corrupt", "--kind", "zero-page1", db, "-o", filepath.Join(missing, "broken.db")},
		{"inspect", db, "--map", filepath.Join(missing, "map.html")},
	} {
		r := runApp(t, args...)
		want := "cannot write " + filepath.Join(missing, filepath.Base(args[len(args)-1])) + ": the directory " + missing + " does not exist"
		if r.code != exitFailure || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, ".tmp-") || r.stdout != "" {
			t.Errorf("dbrescue %q: exit %d, stdout %q, stderr %q; want exit 1 and %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("the missing directory was created: %v", err)
	}
}

// containsInOrder reports whether s holds every part, in order.
func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// listDir lists the names in dir and below it.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		names = append(names, path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
