package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

// TestOutputsNeverOverwriteInputs runs every command that writes with an
// output that is one of its inputs, a companion of one, or a link to one,
// each with --force: each must exit 2 (usage), say so, and leave every
// file (names and SHA-256) as it was. The database is a copied WAL-mode one
// whose -wal holds most of its rows: the reported loss.
func TestOutputsNeverOverwriteInputs(t *testing.T) {
	dir := t.TempDir()
	db := testdb.BuildState(t, dir, testdb.CopiedWAL, 1000)
	in := func(name string) string { return filepath.Join(dir, name) }
	runApp(t, "metabackup", db, "-o", in("m")).mustSucceed(t)
	runApp(t, "metabackup", db, "-o", in("m"), "--force").mustSucceed(t) // m.prev
	runApp(t, "backup", db, "-o", in("b")).mustSucceed(t)
	if err := os.Symlink("app.db", in("link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", in("alias")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(db, in("hard.db")); err != nil {
		t.Fatal(err)
	}
	before := testdb.Listing(t, dir)
	for _, args := range [][]string{
		{"metabackup", db, "-o", in("app.db")},
		{"metabackup", db, "-o", in("app.db-wal")},
		{"metabackup", db, "-o", in("app.db-shm")},
		{"metabackup", db, "-o", in("app.db-journal")},
		{"metabackup", db, "-o", in("link.db"), "--force"},
		{"metabackup", db, "-o", in("alias/app.db"), "--force"},
		{"metabackup", db, "-o", in("hard.db"), "--force"},
		{"repair", db, "-o", in("app.db-wal"), "--force"},
		{"repair", db, "--meta", in("m"), "-o", in("m"), "--force"},
		{"repair", db, "--meta", in("m"), "-o", in("m.prev"), "--force"},
		{"repair", db, "--backup", in("b"), "-o", in("b"), "--force"},
		{"repair", db, "--backup", in("b"), "-o", in("b.manifest"), "--force"},
		{"repair", db, "-o", in("link.db"), "--force"},
		{"repair", db, "-o", in("alias/app.db-wal"), "--force"},
		{"repair", db, "--wal", in("hard.db"), "-o", in("app.db"), "--force"},
		{"backup", db, "-o", in("app.db"), "--force"},
		{"backup", db, "-o", in("app.db-wal"), "--force"},
		{"backup", db, "-o", in("hard.db"), "--force"},
		{"restore", in("b"), "-o", in("b"), "--force"},
		{"restore", in("b"), "-o", in("b.manifest"), "--force"},
		{"corrupt", "--kind", "zero-page1", db, "-o", in("app.db"), "--force"},
		{"corrupt", "--kind", "zero-page1", db, "-o", in("link.db"), "--force"},
	} {
		r := runApp(t, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "refusing to write") || !strings.Contains(r.stderr, "whatever --force says") {
			t.Errorf("dbrescue %s: exit %d, stderr %q; want exit 2 refusing to write", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	testdb.SameListing(t, dir, before)
}

// TestCommandsLeaveTheDirectoryAsFound runs inspect, metabackup, backup,
// repair and score on databases nobody has open: a WAL-mode one copied with its
// -wal and no -shm, a closed WAL-mode one, a rollback-mode one. The
// directory must afterwards hold what it held, byte for byte, plus the
// outputs asked for (no -shm, no empty -wal, no .lock, no temporary file),
// and the outputs must hold every committed row, those in the WAL too.
func TestCommandsLeaveTheDirectoryAsFound(t *testing.T) {
	const rows = 1500
	testdb.ForEachState(t, rows, func(t *testing.T, _ testdb.State, db string, before map[string]string) {
		dir := filepath.Dir(db)
		var pages int64
		var mode string
		onCopy(t, db, `PRAGMA page_count`, &pages)
		onCopy(t, db, `PRAGMA journal_mode`, &mode)
		runApp(t, "inspect", db).mustSucceed(t)
		runApp(t, "metabackup", db).mustSucceed(t)
		runApp(t, "backup", db).mustSucceed(t)
		runApp(t, "repair", db, "-o", filepath.Join(dir, "repaired.db")).mustSucceed(t)
		runApp(t, "score", db, "--original", db).mustSucceed(t)
		testdb.SameListing(t, dir, before, "app.db.meta", "app.db.backup", "app.db.backup.manifest", "repaired.db")

		m, err := master.ReadFile(db + ".meta")
		if err != nil {
			t.Fatal(err)
		}
		if int64(m.Header.PageCount) != pages || m.Header.JournalMode != mode {
			t.Errorf("metadata backup: %d pages, journal mode %q; SQLite says %d pages, %q",
				m.Header.PageCount, m.Header.JournalMode, pages, mode)
		}
		restored := filepath.Join(t.TempDir(), "restored.db")
		runApp(t, "restore", db+".backup", "-o", restored).mustSucceed(t)
		for _, out := range []string{restored, filepath.Join(dir, "repaired.db")} {
			if got := sqliteInt(t, "file:"+out+"?mode=ro", `SELECT count(*) FROM t`); got != rows {
				t.Errorf("%s holds %d rows, want %d", filepath.Base(out), got, rows)
			}
		}
	})
}

// onCopy scans the one value query returns into dest, asked of SQLite on a
// copy of the database at path (with its WAL when it has one), so that the
// files under test are not touched.
func onCopy(t *testing.T, path, query string, dest any) {
	t.Helper()
	_, err := os.Stat(path + "-wal")
	if err := testdb.OpenCopy(t, path, err == nil).QueryRow(query).Scan(dest); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// TestMetabackupBesideALiveConnection: an app holds the database open in
// WAL mode and keeps writing while metabackup runs; the backup is written,
// the app's -wal and -shm stay, and the app goes on committing.
func TestMetabackupBesideALiveConnection(t *testing.T) {
	dir := t.TempDir()
	db := testdb.BuildState(t, dir, testdb.ClosedWAL, 500)
	app, err := sql.Open("sqlite", "file:"+db+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.SetMaxOpenConns(1)
	if _, err := app.Exec(`INSERT INTO t(v) VALUES('committed by the app before the backup')`); err != nil {
		t.Fatal(err)
	}
	runApp(t, "metabackup", db).mustSucceed(t)
	for _, name := range []string{"app.db-wal", "app.db-shm"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the app's %s: %v", name, err)
		}
	}
	if _, err := app.Exec(`INSERT INTO t(v) VALUES('committed by the app after the backup')`); err != nil {
		t.Fatalf("the app cannot commit after the backup: %v", err)
	}
	var n int
	if err := app.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 502 {
		t.Errorf("the app counts %d rows (%v), want 502", n, err)
	}
	m, err := master.ReadFile(db + ".meta")
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.JournalMode != "wal" || len(m.Trees) == 0 {
		t.Errorf("metadata backup beside the app: journal mode %q, %d trees", m.Header.JournalMode, len(m.Trees))
	}
}

// TestFailedBackupLeavesNothing: a backup that fails (a source that is not
// a database, a destination that is not a backup) and one that succeeds
// leave no .lock and no temporary file beside the backup.
func TestFailedBackupLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	db := testdb.BuildState(t, dir, testdb.CopiedWAL, 500)
	garbage, foreign := filepath.Join(dir, "garbage.db"), filepath.Join(dir, "foreign")
	for _, p := range []string{garbage, foreign} {
		if err := os.WriteFile(p, []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := testdb.Listing(t, dir)
	if r := runApp(t, "backup", garbage, "-o", filepath.Join(dir, "g.backup")); r.code != exitFailure {
		t.Errorf("backup of a file that is not a database: exit %d, %s", r.code, r.stderr)
	}
	if r := runApp(t, "backup", db, "-o", foreign); r.code != exitFailure {
		t.Errorf("backup over a file that is not a backup: exit %d, %s", r.code, r.stderr)
	}
	runApp(t, "backup", db, "-o", filepath.Join(dir, "ok.backup")).mustSucceed(t)
	runApp(t, "verify", filepath.Join(dir, "ok.backup")).mustSucceed(t)
	testdb.SameListing(t, dir, before, "ok.backup", "ok.backup.manifest")
}
