package main

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbrescue/dbrescue/remote"
)

// storeURLs returns a fresh store URL of each kind: a directory always,
// S3 when the test server runs (.ci/s3-test-server).
func storeURLs(t *testing.T) map[string]string {
	urls := map[string]string{"file": "file://" + t.TempDir()}
	if base := os.Getenv("DBRESCUE_TEST_S3_URL"); base != "" {
		urls["s3"] = remote.TestURL(base, t.Name())
	} else {
		t.Log("no S3 test server (run eval \"$(bash .ci/s3-test-server start)\"): file store only")
	}
	return urls
}

func editContact(t *testing.T, db string) {
	t.Helper()
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if _, err := sdb.Exec(`UPDATE contacts SET name = name || ' (edited)' WHERE rowid = 1`); err != nil {
		t.Fatal(err)
	}
}

func TestStoreBackupListVerifyRestore(t *testing.T) {
	for kind, url := range storeURLs(t) {
		t.Run(kind, func(t *testing.T) {
			db := newSampleDB(t)
			var first storeBackupReport
			decodeJSON(t, runApp(t, "backup", db, "-o", url, "--json").mustSucceed(t).stdout, &first)
			if first.Mode != "full" || first.PagesUploaded != int(first.PageCount) || first.Version == "" || len(first.Digest) != 64 {
				t.Fatalf("first version: %+v", first)
			}
			if out := runApp(t, "backup", db, "-o", url).mustSucceed(t).stdout; !strings.HasPrefix(out, "unchanged: ") {
				t.Errorf("backup of an unchanged database:\n%s", out)
			}
			editContact(t, db)
			var second storeBackupReport
			decodeJSON(t, runApp(t, "backup", "--json", "-o", url, db).mustSucceed(t).stdout, &second)
			if second.Mode != "incremental" || second.Base != first.Version || second.PagesUploaded == 0 || second.PagesUploaded >= int(second.PageCount)/2 {
				t.Fatalf("second version: %+v", second)
			}
			var list backupsReport
			decodeJSON(t, runApp(t, "backups", url, "--json").mustSucceed(t).stdout, &list)
			if len(list.Versions) != 2 || list.Versions[0].ID != first.Version || list.Versions[1].ID != second.Version || list.Versions[1].Digest != second.Digest {
				t.Fatalf("backups: %+v", list)
			}
			if out := runApp(t, "backups", url).mustSucceed(t).stdout; !strings.Contains(out, second.Version) || !strings.Contains(out, "2 versions") {
				t.Errorf("backups text:\n%s", out)
			}
			if out := runApp(t, "verify", url).mustSucceed(t).stdout; !strings.Contains(out, ": valid") || !strings.Contains(out, second.Version) {
				t.Errorf("verify:\n%s", out)
			}
			runApp(t, "verify", url, "--version", first.Version).mustSucceed(t)
			q := `SELECT count(*) FROM contacts WHERE name LIKE '%(edited)'`
			dir := t.TempDir()
			for _, tc := range []struct {
				args   []string
				edited int64
			}{
				{nil, 1},
				{[]string{"--version", first.Version}, 0},
				{[]string{"--at", list.Versions[0].CapturedAt}, 0},
				{[]string{"--at", time.Now().Add(time.Minute).UTC().Format(time.RFC3339)}, 1},
			} {
				out := filepath.Join(dir, "r.db")
				runApp(t, append([]string{"restore", url, "-o", out, "--force"}, tc.args...)...).mustSucceed(t)
				if got := sqliteInt(t, out, q); got != tc.edited {
					t.Errorf("restore %v: %d edited contacts, want %d", tc.args, got, tc.edited)
				}
			}
			if r := runApp(t, "restore", url); r.code != exitUsage || !strings.Contains(r.stderr, "-o DB") {
				t.Errorf("restore from a store without -o: exit %d, %s", r.code, r.stderr)
			}
			if r := runApp(t, "restore", url, "-o", filepath.Join(dir, "x.db"), "--version", "nope"); r.code != exitFailure || !strings.Contains(r.stderr, "no such backup version") {
				t.Errorf("restore of a version that does not exist: exit %d, %s", r.code, r.stderr)
			}
		})
	}
}

func TestStoreEncryptionKeyErrors(t *testing.T) {
	db := newSampleDB(t)
	dir := t.TempDir()
	key, other := filepath.Join(dir, "k"), filepath.Join(dir, "other")
	if err := os.WriteFile(key, []byte(strings.Repeat("3c", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte(strings.Repeat("c3", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.Join(dir, "store")
	if err := os.Mkdir(filepath.Join(dir, "store"), 0o755); err != nil {
		t.Fatal(err)
	}
	runApp(t, "backup", db, "-o", url, "--encrypt-key-file", key).mustSucceed(t)
	out := filepath.Join(dir, "out.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--encrypt-key-file"},
		{[]string{"--encrypt-key-file", other}, "wrong encryption key"},
	} {
		for _, cmd := range [][]string{{"restore", url, "-o", out}, {"verify", url}, {"backups", url}} {
			r := runApp(t, append(cmd, tc.args...)...)
			text := r.stderr + r.stdout
			if cmd[0] == "backups" {
				if r.code != exitOK || !strings.Contains(text, "UNREADABLE") || !strings.Contains(text, tc.want) {
					t.Errorf("%v %v: exit %d\n%s", cmd, tc.args, r.code, text)
				}
				continue
			}
			if r.code != exitFailure || !strings.Contains(text, tc.want) {
				t.Errorf("%v %v: exit %d, want 1 and %q\n%s", cmd, tc.args, r.code, tc.want, text)
			}
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused restore wrote %s", out)
	}
	runApp(t, "restore", url, "-o", out, "--encrypt-key-file", key).mustSucceed(t)
	t.Setenv(storeKeyEnv, key)
	runApp(t, "verify", url).mustSucceed(t)
	runApp(t, "backup", db, "-o", db+".backup").mustSucceed(t) // the variable does not get in a local backup's way
	if r := runApp(t, "backup", db, "--encrypt-key-file", "/nonexistent", "-o", url); r.code != exitUsage {
		t.Errorf("a missing key file: exit %d, %s", r.code, r.stderr)
	}
	if r := runApp(t, "backup", db, "--keep", "3"); r.code != exitUsage || !strings.Contains(r.stderr, "store") {
		t.Errorf("--keep with a backup file: exit %d, %s", r.code, r.stderr)
	}
}

// TestRepairWithStoreBackup: repair --backup URL recovers the same rows
// as repair --backup FILE taken from the same database.
func TestRepairWithStoreBackup(t *testing.T) {
	db := newSampleDB(t)
	url := "file://" + t.TempDir()
	runApp(t, "backup", db, "-o", url).mustSucceed(t)
	runApp(t, "backup", db).mustSucceed(t)
	broken := filepath.Join(t.TempDir(), "broken.db")
	runApp(t, "corrupt", "--kind", "zero-page", "--target", "leaf", "--seed", "3", "-o", broken, db).mustSucceed(t)
	var fromFile, fromStore map[string]any
	outFile, outStore := filepath.Join(t.TempDir(), "f.db"), filepath.Join(t.TempDir(), "s.db")
	rf := runApp(t, "repair", broken, "--backup", db+".backup", "-o", outFile, "--json")
	rs := runApp(t, "repair", broken, "--backup", url, "-o", outStore, "--json")
	if rf.code != rs.code {
		t.Fatalf("exit %d with the file, %d with the store\n%s", rf.code, rs.code, rs.stderr)
	}
	decodeJSON(t, rf.stdout, &fromFile)
	decodeJSON(t, rs.stdout, &fromStore)
	if fromFile["status"] != fromStore["status"] || sqliteInt(t, outFile, "SELECT count(*) FROM messages") != sqliteInt(t, outStore, "SELECT count(*) FROM messages") {
		t.Errorf("repair with the backup file: %v; with the store: %v", fromFile["status"], fromStore["status"])
	}
	if n := sqliteInt(t, outStore, "SELECT count(*) FROM messages"); n != sqliteInt(t, db, "SELECT count(*) FROM messages") {
		t.Errorf("repair with the store recovered %d messages", n)
	}
}

// TestWatchChild runs the CLI in a child process for TestWatchStopsOnSignal.
func TestWatchChild(t *testing.T) {
	args := os.Getenv("DBRESCUE_WATCH_CHILD")
	if args == "" {
		t.Skip("child process of TestWatchStopsOnSignal")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, append([]string{"dbrescue"}, strings.Split(args, "\x1f")...), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// TestWatchStopsOnSignal: backup --watch takes versions as the database
// changes; SIGTERM (and SIGINT) let it finish and exit 0, and the newest
// version verifies.
func TestWatchStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			db := newSampleDB(t)
			url := "file://" + t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestWatchChild$")
			cmd.Env = append(os.Environ(), "DBRESCUE_WATCH_CHILD="+strings.Join([]string{"backup", "--watch", "--interval", "50ms", "--json", db, "-o", url}, "\x1f"))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() {
				t.Fatal("no first version")
			}
			editContact(t, db)
			if !lines.Scan() || !strings.Contains(lines.Text(), `"mode":"incremental"`) {
				t.Fatalf("no second version after a change: %q", lines.Text())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			for lines.Scan() {
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("after %v: %v", sig, err)
			}
			runApp(t, "verify", url).mustSucceed(t)
		})
	}
}
