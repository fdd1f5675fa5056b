package master_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

// TestCaptureLeavesTheDirectoryAsFound captures databases nobody has open
// (a WAL copied with committed rows and no -shm, a closed WAL database, a
// rollback-mode one): the directory must be byte for byte as it was (no
// -shm, no empty -wal), and the backup must be the one a capture through
// an ordinary SQLite connection takes of the same files, committed WAL
// rows included.
func TestCaptureLeavesTheDirectoryAsFound(t *testing.T) {
	testdb.ForEachState(t, 2000, func(t *testing.T, _ testdb.State, path string, before map[string]string) {
		got, err := master.Capture(context.Background(), path, master.Options{})
		if err != nil {
			t.Fatal(err)
		}
		testdb.SameListing(t, filepath.Dir(path), before)
		want := captureBesideAConnection(t, path)
		ignore := cmpopts.IgnoreFields(master.Meta{}, "CapturedAt", "Source", "Fingerprint", "PagesReadFrom")
		if diff := cmp.Diff(want, got, ignore); diff != "" {
			t.Errorf("capture (-through SQLite's own connection +left the directory alone):\n%s", diff)
		}
	})
}

// captureBesideAConnection captures a copy of the database at path (and
// its -wal) while an ordinary SQLite connection holds the copy open, so
// the capture reads it the way it reads a live database.
func captureBesideAConnection(t *testing.T, path string) *master.Meta {
	t.Helper()
	cp := testdb.CopyFiles(t, path, t.TempDir(), "-wal")
	db, err := sql.Open("sqlite", "file:"+cp)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2000 {
		t.Fatalf("the copy holds %d rows (%v), want 2000", n, err)
	}
	m, err := master.Capture(context.Background(), cp, master.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestWriteFileRefusesTheDatabase: a metadata backup written over the
// database it describes, over one of its companions, or over a link to
// one, is refused with an *outputs.ConflictError, and nothing changes.
func TestWriteFileRefusesTheDatabase(t *testing.T) {
	dir := t.TempDir()
	path := testdb.BuildState(t, dir, testdb.CopiedWAL, 500)
	m, err := master.Capture(context.Background(), path, master.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("app.db", filepath.Join(dir, "link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, filepath.Join(dir, "hard.db")); err != nil {
		t.Fatal(err)
	}
	before := testdb.Listing(t, dir)
	for _, out := range []string{"app.db", "app.db-wal", "app.db-shm", "app.db-journal", "link.db", "hard.db"} {
		err := master.WriteFile(filepath.Join(dir, out), m)
		var conflict *outputs.ConflictError
		if !errors.As(err, &conflict) {
			t.Errorf("WriteFile(%s): %v, want an *outputs.ConflictError", out, err)
		}
	}
	testdb.SameListing(t, dir, before)
}

// TestCaptureRollsHotJournalBack takes a metadata backup of a copy made in
// the middle of a write transaction (uncommitted pages in the main file,
// their originals in the hot journal): the capture describes the
// committed database, exactly as one taken of the committed file, and the
// directory, journal included, is left as it was.
func TestCaptureRollsHotJournalBack(t *testing.T) {
	dir := t.TempDir()
	hj, err := testdb.BuildHotJournal(filepath.Join(dir, "build.db"), "FULL", 1024, 1500)
	if err != nil {
		t.Fatal(err)
	}
	crashed, committed := filepath.Join(t.TempDir(), "app.db"), filepath.Join(t.TempDir(), "app.db")
	for path, b := range map[string][]byte{crashed: hj.Main, crashed + "-journal": hj.Journal, committed: hj.Committed} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := testdb.Listing(t, filepath.Dir(crashed))
	got, err := master.Capture(context.Background(), crashed, master.Options{})
	if err != nil {
		t.Fatal(err)
	}
	testdb.SameListing(t, filepath.Dir(crashed), before)
	want, err := master.Capture(context.Background(), committed, master.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ignore := cmpopts.IgnoreFields(master.Meta{}, "CapturedAt", "Source", "Fingerprint", "PagesReadFrom")
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("capture (-committed file +crashed copy with its journal):\n%s", diff)
	}
}
