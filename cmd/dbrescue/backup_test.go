package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

func TestBackupVerifyRestore(t *testing.T) {
	db := newSampleDB(t)
	before := testdb.FileSHA256(t, db)
	var first backupReport
	decodeJSON(t, runApp(t, "backup", db, "--json").mustSucceed(t).stdout, &first)
	if first.Status != "written" || first.Mode != "full" || first.Backup != db+".backup" || first.PagesWritten != int(first.PageCount) || first.PageCount == 0 {
		t.Fatalf("first backup: %+v", first)
	}
	if before != testdb.FileSHA256(t, db) {
		t.Errorf("backup modified the database")
	}
	out := runApp(t, "verify", db+".backup").mustSucceed(t).stdout
	if !strings.Contains(out, ": valid") || !strings.Contains(out, "integrity_check: ok") {
		t.Errorf("verify output:\n%s", out)
	}
	if out := runApp(t, "backup", db).mustSucceed(t).stdout; !strings.HasPrefix(out, "unchanged: ") {
		t.Errorf("second backup of an unchanged database:\n%s", out)
	}

	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`UPDATE contacts SET name = name || ' (edited)' WHERE rowid = 1`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	var second backupReport
	decodeJSON(t, runApp(t, "backup", "--json", db).mustSucceed(t).stdout, &second)
	if second.Mode != "incremental" || second.PagesWritten == 0 || second.PagesWritten >= int(second.PageCount) {
		t.Fatalf("backup after a one-row change: %+v", second)
	}
	var full backupReport
	decodeJSON(t, runApp(t, "backup", "--full", "--json", db).mustSucceed(t).stdout, &full)
	if full.Mode != "full" || full.PagesWritten != int(full.PageCount) {
		t.Fatalf("backup --full of a backed-up database took no full copy: %+v", full)
	}

	if r := runApp(t, "restore", db+".backup"); r.code != exitFailure || !strings.Contains(r.stderr, "--force") {
		t.Errorf("restore over the live database without --force: exit %d, %s", r.code, r.stderr)
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	runApp(t, "restore", db+".backup", "-o", restored).mustSucceed(t)
	if testdb.FileSHA256(t, restored) != testdb.FileSHA256(t, db+".backup") {
		t.Errorf("the restored database differs from the backup")
	}
	q := `SELECT count(*) FROM contacts WHERE name LIKE '%(edited)'`
	if got := sqliteInt(t, restored, q); got != 1 {
		t.Errorf("restored database has %d edited contacts, want 1", got)
	}
	copyFile(t, restored, db+"-copy")
	runApp(t, "restore", "--force", db+".backup", "-o", db+"-copy").mustSucceed(t)
}

func TestVerifyDamagedBackup(t *testing.T) {
	db := newSampleDB(t)
	runApp(t, "backup", db).mustSucceed(t)
	b, err := os.ReadFile(db + ".backup")
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-100] ^= 0x40
	if err := os.WriteFile(db+".backup", b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, "verify", db+".backup")
	if r.code != exitFailure || !strings.Contains(r.stdout, "INVALID") || !strings.Contains(r.stdout, "do not match") {
		t.Errorf("verify of a damaged backup: exit %d\n%s", r.code, r.stdout)
	}
	var rep backupVerifyReport
	decodeJSON(t, runApp(t, "verify", "--json", db+".backup").stdout, &rep)
	if rep.OK || rep.BadPageCount != 1 {
		t.Errorf("verify --json: %+v", rep)
	}
	if r := runApp(t, "restore", db+".backup", "-o", db+".new"); r.code != exitFailure {
		t.Errorf("restore of a damaged backup: exit %d", r.code)
	}
}

func TestBackupCommandErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"backup"}, exitUsage},
		{[]string{"backup", "a.db", "b.db"}, exitUsage},
		{[]string{"backup", "--step-pages", "0", "a.db"}, exitUsage},
		{[]string{"backup", "--pause", "soon", "a.db"}, exitUsage},
		{[]string{"backup", "--pause", "-1ms", "a.db"}, exitUsage},
		{[]string{"backup", "--pause", "1ms", "--full-speed", "a.db"}, exitUsage},
		{[]string{"backup", dir + "/missing.db"}, exitFailure},
		{[]string{"restore"}, exitUsage},
		{[]string{"restore", dir + "/x.bak"}, exitUsage},
		{[]string{"restore", dir + "/missing.backup"}, exitFailure},
		{[]string{"verify"}, exitUsage},
		{[]string{"verify", dir + "/missing.backup"}, exitFailure},
	}
	for _, tt := range tests {
		if r := runApp(t, tt.args...); r.code != tt.code {
			t.Errorf("%v: exit %d, want %d\nstderr: %s", tt.args, r.code, tt.code, r.stderr)
		}
	}
	if r := runApp(t, "backup", "--help"); r.code != exitOK || !strings.Contains(r.stdout, "Examples:") {
		t.Errorf("backup --help: exit %d\n%s", r.code, r.stdout)
	}
}

// TestBackupEngines: in WAL mode the snapshot is copied from the files
// unless --backup-api asks for SQLite's online backup API; both copies
// hold the same pages.
func TestBackupEngines(t *testing.T) {
	db := newSampleDB(t)
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`PRAGMA journal_mode = WAL`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	dir := t.TempDir()
	for _, tc := range []struct{ flag, want string }{{"", "snapshot-copy"}, {"--backup-api", "backup-api"}} {
		args := []string{"backup", "--json", db, "-o", filepath.Join(dir, tc.want)}
		if tc.flag != "" {
			args = append(args, tc.flag)
		}
		var rep backupReport
		decodeJSON(t, runApp(t, args...).mustSucceed(t).stdout, &rep)
		if rep.CopiedWith != tc.want || rep.Mode != "full" {
			t.Errorf("backup %q: copied with %q (%s), want %q", tc.flag, rep.CopiedWith, rep.Mode, tc.want)
		}
	}
	if testdb.FileSHA256(t, filepath.Join(dir, "snapshot-copy")) != testdb.FileSHA256(t, filepath.Join(dir, "backup-api")) {
		t.Errorf("the two engines' backups differ")
	}
}

// TestRestoreForceKeepsPermissions: a database restored over another has
// the permissions of the one it replaced.
func TestRestoreForceKeepsPermissions(t *testing.T) {
	db := newSampleDB(t)
	runApp(t, "backup", db).mustSucceed(t)
	target := filepath.Join(t.TempDir(), "app.db")
	copyFile(t, db, target)
	if err := os.Chmod(target, 0o640); err != nil {
		t.Fatal(err)
	}
	runApp(t, "restore", "--force", db+".backup", "-o", target).mustSucceed(t)
	st, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("restored database has mode %v, want the replaced one's -rw-r-----", st.Mode().Perm())
	}
}
