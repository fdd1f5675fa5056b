package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/internal/ciphertest"
	"github.com/dbrescue/dbrescue/internal/testdb"
)

const testKeySQL = "'" + testPassphrase + "'"

// sameTables fails the test unless every table of want has exactly the
// rows of got (go-cmp on the rows, not counts).
func sameTables(t *testing.T, what string, want, got map[string][][]any) {
	t.Helper()
	for _, tab := range ciphertest.MessengerTables {
		if len(want[tab]) == 0 {
			t.Fatalf("%s: no rows in %s to compare", what, tab)
		}
		if diff := cmp.Diff(want[tab], got[tab]); diff != "" {
			t.Errorf("%s: %s (-want +got):\n%s", what, tab, diff)
		}
	}
}

// unchangedDir fails the test if the input's bytes or its directory's
// listing differ from what before and listing recorded.
func unchangedDir(t *testing.T, db string, before [32]byte, listing []string) {
	t.Helper()
	if testdb.FileSHA256(t, db) != before {
		t.Error("the input database changed")
	}
	if got := dirNames(t, filepath.Dir(db)); !slices.Equal(got, listing) {
		t.Errorf("the input's directory changed: %v, was %v", got, listing)
	}
}

// TestBackupEncrypted: a SQLCipher 4 database is backed up without the
// key, verified without the key (integrity_check skipped, and said), and
// restored byte for byte: SQLCipher opens the restored file with the key
// and every row is the original's. After rows change, an incremental
// backup writes only the changed ciphertext pages, and restores the new
// rows. Nothing appears beside the input, which is unchanged.
func TestBackupEncrypted(t *testing.T) {
	t.Parallel()
	tool, db, keyFile := encryptedApp(t)
	want := tool.Tables(t, db, testKeySQL, nil, ciphertest.MessengerTables)
	before, listing := testdb.FileSHA256(t, db), dirNames(t, filepath.Dir(db))
	bk := filepath.Join(t.TempDir(), "app.db.backup")

	var first backupReport
	decodeJSON(t, runApp(t, "backup", db, "-o", bk, "--json").mustSucceed(t).stdout, &first)
	if first.Mode != backup.ModeFull || !first.Snapshot.Encrypted || first.PageSize != 4096 || first.PageSizeFrom != backup.PageSizeFromDefault || first.PagesWritten != int(first.PageCount) {
		t.Fatalf("first backup: %+v", first)
	}
	unchangedDir(t, db, before, listing)

	var rep backupVerifyReport
	decodeJSON(t, runApp(t, "verify", bk, "--json").mustSucceed(t).stdout, &rep)
	if !rep.OK || rep.IntegritySkipped != "encrypted: integrity_check needs the key" || !rep.Snapshot.Encrypted {
		t.Errorf("verify: %+v", rep.Report)
	}
	if out := runApp(t, "verify", bk).mustSucceed(t).stdout; !strings.Contains(out, "encrypted: integrity_check needs the key") {
		t.Errorf("verify text does not say integrity_check was skipped:\n%s", out)
	}
	var withKey backupVerifyReport
	decodeJSON(t, runApp(t, "verify", bk, "--key-file", keyFile, "--json").mustSucceed(t).stdout, &withKey)
	if !withKey.OK || withKey.IntegritySkipped != "" || !cmp.Equal(withKey.IntegrityCheck, []string{"ok"}) {
		t.Errorf("verify with the key: %+v", withKey.Report)
	}

	restored := filepath.Join(t.TempDir(), "restored.db")
	out := runApp(t, "restore", bk, "-o", restored).mustSucceed(t).stdout
	if !strings.Contains(out, "integrity_check skipped") {
		t.Errorf("restore text does not say integrity_check was skipped:\n%s", out)
	}
	if testdb.FileSHA256(t, restored) != before {
		t.Error("the restored database is not byte for byte the original")
	}
	sameTables(t, "restored", want, tool.Tables(t, restored, testKeySQL, nil, ciphertest.MessengerTables))

	if out := runApp(t, "backup", db, "-o", bk).mustSucceed(t).stdout; !strings.HasPrefix(out, "unchanged: ") {
		t.Errorf("backup of an unchanged encrypted database:\n%s", out)
	}
	tool.MustExec(t, db, testKeySQL, nil, `UPDATE contacts SET name = name || ' (edited)' WHERE id <= 3;`)
	want = tool.Tables(t, db, testKeySQL, nil, ciphertest.MessengerTables)
	before, listing = testdb.FileSHA256(t, db), dirNames(t, filepath.Dir(db))
	var second backupReport
	decodeJSON(t, runApp(t, "backup", db, "-o", bk, "--json").mustSucceed(t).stdout, &second)
	if second.Mode != backup.ModeIncremental || second.PagesWritten == 0 || second.PagesWritten >= int(second.PageCount)/4 {
		t.Fatalf("incremental backup wrote %d of %d pages: %+v", second.PagesWritten, second.PageCount, second)
	}
	t.Logf("incremental: %d of %d pages written", second.PagesWritten, second.PageCount)
	unchangedDir(t, db, before, listing)
	runApp(t, "verify", bk).mustSucceed(t)
	runApp(t, "restore", bk, "-o", restored, "--force").mustSucceed(t)
	sameTables(t, "restored after the incremental", want, tool.Tables(t, restored, testKeySQL, nil, ciphertest.MessengerTables))
}

// TestBackupEncryptedWithKey: with the key the page size is the key's,
// checked by decrypting page 1, and the snapshot's schema cookie is read;
// a key that does not open the file is refused.
func TestBackupEncryptedWithKey(t *testing.T) {
	t.Parallel()
	_, db, keyFile := encryptedApp(t)
	var rep backupReport
	decodeJSON(t, runApp(t, "backup", db, "--key-file", keyFile, "-o", filepath.Join(t.TempDir(), "b"), "--json").mustSucceed(t).stdout, &rep)
	if !rep.Snapshot.Encrypted || rep.Snapshot.SchemaCookie == 0 || rep.PageSize != 4096 {
		t.Errorf("backup with the key: %+v", rep)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("not it"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runApp(t, "backup", db, "--key-file", bad, "-o", filepath.Join(t.TempDir(), "c")); r.code != exitFailure || !strings.Contains(r.stderr, "wrong key") {
		t.Errorf("backup with a wrong key: exit %d\n%s", r.code, r.stderr)
	}
	// A page size the file is no whole number of is said to be unknown.
	if r := runApp(t, "backup", db, "--cipher-page-size", "65536", "-o", filepath.Join(t.TempDir(), "d")); r.code != exitFailure || !strings.Contains(r.stderr, "cannot tell the page size") {
		t.Errorf("backup with a page size that does not fit: exit %d\n%s", r.code, r.stderr)
	}
}

// TestBackupEncryptedHotJournal: SQLCipher dies inside a transaction,
// leaving a hot journal; the backup refuses (it would copy a torn state,
// and rolling back would write beside the input) and touches nothing.
func TestBackupEncryptedHotJournal(t *testing.T) {
	t.Parallel()
	tool, db, _ := encryptedApp(t)
	if _, err := tool.Exec(db, testKeySQL, []string{"PRAGMA cache_size = 2"}, "BEGIN; UPDATE messages SET body = body || 'x'; ", true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db + "-journal"); err != nil {
		t.Fatalf("the crash left no journal: %v", err)
	}
	before, listing := testdb.FileSHA256(t, db), dirNames(t, filepath.Dir(db))
	bk := filepath.Join(t.TempDir(), "b")
	r := runApp(t, "backup", db, "-o", bk)
	if r.code != exitFailure || !strings.Contains(r.stderr, "hot journal") {
		t.Errorf("backup beside a hot journal: exit %d\n%s", r.code, r.stderr)
	}
	unchangedDir(t, db, before, listing)
	if _, err := os.Stat(bk); err == nil {
		t.Error("a backup was written")
	}
}

// TestBackupEncryptedWAL: a WAL-mode database whose last writer died
// (committed frames in the WAL, a stale -shm): the backup overlays the
// committed frames on the file's pages, and the restored database holds
// every committed row.
func TestBackupEncryptedWAL(t *testing.T) {
	t.Parallel()
	tool := ciphertest.Find(t, 4)
	db := filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, db, testKeySQL, []string{"PRAGMA journal_mode = WAL"}, ciphertest.MessengerSQL(200))
	if _, err := tool.Exec(db, testKeySQL, []string{"PRAGMA wal_autocheckpoint = 0"},
		"UPDATE contacts SET name = name || ' (in the WAL)' WHERE id % 2 = 0; INSERT INTO settings VALUES ('wal', 1);", true); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(db + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("no WAL content: %v", err)
	}
	before, listing := testdb.FileSHA256(t, db), dirNames(t, filepath.Dir(db))
	bk := filepath.Join(t.TempDir(), "b")
	var rep backupReport
	decodeJSON(t, runApp(t, "backup", db, "-o", bk, "--json").mustSucceed(t).stdout, &rep)
	if rep.Snapshot.JournalMode != "wal" || rep.PagesReadFrom != "file+wal" {
		t.Errorf("backup of a WAL-mode database: %+v", rep)
	}
	unchangedDir(t, db, before, listing)
	walBefore := testdb.FileSHA256(t, db+"-wal")
	// What SQLCipher reads: a copy of the directory, so that its opening
	// (which checkpoints) changes nothing of the input's.
	copyDir := t.TempDir()
	for _, sfx := range []string{"", "-wal"} {
		b, err := os.ReadFile(db + sfx)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(copyDir, "app.db"+sfx), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := tool.Tables(t, filepath.Join(copyDir, "app.db"), testKeySQL, nil, ciphertest.MessengerTables)
	restored := filepath.Join(t.TempDir(), "r.db")
	runApp(t, "restore", bk, "-o", restored).mustSucceed(t)
	sameTables(t, "restored from a WAL-mode backup", want, tool.Tables(t, restored, testKeySQL, nil, ciphertest.MessengerTables))
	if testdb.FileSHA256(t, db+"-wal") != walBefore {
		t.Error("the WAL changed")
	}
}

// TestRepairWithEncryptedBackup: pages of an encrypted database are
// destroyed; repair --key-file --backup, with a backup the backup command
// took without the key (a file, and a version in a store), puts back every
// row.
func TestRepairWithEncryptedBackup(t *testing.T) {
	t.Parallel()
	tool, db, keyFile := encryptedApp(t)
	want := tool.Tables(t, db, testKeySQL, nil, ciphertest.MessengerTables)
	bk := filepath.Join(t.TempDir(), "app.db.backup")
	runApp(t, "backup", db, "-o", bk).mustSucceed(t)
	store := "file://" + t.TempDir()
	runApp(t, "backup", db, "-o", store).mustSucceed(t)
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	const ps = 4096
	for pg := 4; pg <= 12; pg++ { // pages 4-12 zeroed: leaves of messages and contacts
		clear(b[(pg-1)*ps : pg*ps])
	}
	broken := filepath.Join(t.TempDir(), "broken.db")
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	without := filepath.Join(t.TempDir(), "without.db")
	runApp(t, "repair", broken, "--key-file", keyFile, "-o", without)
	lost := 0
	for _, tab := range ciphertest.MessengerTables {
		lost += len(want[tab]) - len(ciphertest.PlainRows(t, without, tab))
	}
	if lost == 0 {
		t.Fatal("the damage loses no row without the backup: the test proves nothing")
	}
	for _, from := range []string{bk, store} {
		out := filepath.Join(t.TempDir(), "fixed.db")
		r := runApp(t, "repair", broken, "--key-file", keyFile, "--backup", from, "-o", out)
		if r.code != exitOK && r.code != exitPartial {
			t.Fatalf("repair with the backup %s: exit %d\n%s", from, r.code, r.stderr)
		}
		got := map[string][][]any{}
		for _, tab := range ciphertest.MessengerTables {
			got[tab] = ciphertest.PlainRows(t, out, tab)
		}
		sameTables(t, "repaired with the backup "+from, want, got)
	}
	t.Logf("%d rows lost without the backup, none with it", lost)
}

// TestBackupEncryptedStore: the same to a store: a first version, an
// unchanged run that adds none, an incremental version that uploads only
// the changed pages, verify without the key (and with it, integrity_check
// too), and a restore SQLCipher reads with every row.
func TestBackupEncryptedStore(t *testing.T) {
	t.Parallel()
	tool, db, keyFile := encryptedApp(t)
	for kind, url := range storeURLs(t) {
		t.Run(kind, func(t *testing.T) {
			var first, second storeBackupReport
			decodeJSON(t, runApp(t, "backup", db, "-o", url, "--json").mustSucceed(t).stdout, &first)
			if first.Mode != backup.ModeFull || !first.Snapshot.Encrypted {
				t.Fatalf("first version: %+v", first)
			}
			if out := runApp(t, "backup", db, "-o", url).mustSucceed(t).stdout; !strings.HasPrefix(out, "unchanged: ") {
				t.Errorf("unchanged database:\n%s", out)
			}
			tool.MustExec(t, db, testKeySQL, nil, `UPDATE settings SET v = 'edited in `+kind+`' WHERE k = 'key.1';`)
			want := tool.Tables(t, db, testKeySQL, nil, ciphertest.MessengerTables)
			decodeJSON(t, runApp(t, "backup", db, "-o", url, "--json").mustSucceed(t).stdout, &second)
			if second.Mode != backup.ModeIncremental || second.PagesUploaded == 0 || second.PagesUploaded >= int(second.PageCount)/4 {
				t.Fatalf("second version uploaded %d of %d pages: %+v", second.PagesUploaded, second.PageCount, second)
			}
			if out := runApp(t, "verify", url).mustSucceed(t).stdout; !strings.Contains(out, "integrity_check needs the key") {
				t.Errorf("verify:\n%s", out)
			}
			var withKey backupVerifyReport
			decodeJSON(t, runApp(t, "verify", url, "--key-file", keyFile, "--json").mustSucceed(t).stdout, &withKey)
			if !withKey.OK || withKey.IntegritySkipped != "" || !cmp.Equal(withKey.IntegrityCheck, []string{"ok"}) {
				t.Errorf("verify with the key: %+v", withKey.Report)
			}
			restored := filepath.Join(t.TempDir(), "r.db")
			runApp(t, "restore", url, "-o", restored).mustSucceed(t)
			sameTables(t, "restored from "+kind, want, tool.Tables(t, restored, testKeySQL, nil, ciphertest.MessengerTables))
		})
	}
}

// TestBackupEncryptedSQLCipher3: SQLCipher 3's 1024-byte pages. With
// --cipher sqlcipher3 and no key the page size is the preset's; with the
// key it is proven (the other presets are tried); either way the restored
// file is the original, every row of it, and the report says where the
// page size came from.
func TestBackupEncryptedSQLCipher3(t *testing.T) {
	t.Parallel()
	tool := ciphertest.Find(t, 3)
	db := filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, db, testKeySQL, nil, ciphertest.MessengerSQL(200))
	want := tool.Tables(t, db, testKeySQL, nil, ciphertest.MessengerTables)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testPassphrase), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		from string
	}{
		{[]string{"--cipher", "sqlcipher3"}, backup.PageSizeFromParams},
		{[]string{"--key-file", keyFile}, backup.PageSizeFromKey},
	} {
		bk := filepath.Join(t.TempDir(), "app.db.backup")
		var rep backupReport
		decodeJSON(t, runApp(t, append([]string{"backup", db, "-o", bk, "--json"}, tc.args...)...).mustSucceed(t).stdout, &rep)
		if rep.PageSize != 1024 || rep.PageSizeFrom != tc.from {
			t.Errorf("backup %v: %d-byte pages from %q, want 1024 from %q", tc.args, rep.PageSize, rep.PageSizeFrom, tc.from)
		}
		restored := filepath.Join(t.TempDir(), "r.db")
		runApp(t, "restore", bk, "-o", restored).mustSucceed(t)
		sameTables(t, "restored SQLCipher 3", want, tool.Tables(t, restored, testKeySQL, nil, ciphertest.MessengerTables))
	}
}

// TestRepairWithAssumedPageSize: a SQLCipher 3 database (1024-byte pages)
// whose size is a whole number of 4096-byte pages is backed up without a
// hint, as 4096-byte pages (said to be assumed); repair --backup with the
// key still reads the backup's pages, cut to the cipher's page size, and
// puts back every row that destroyed pages held.
func TestRepairWithAssumedPageSize(t *testing.T) {
	t.Parallel()
	tool := ciphertest.Find(t, 3)
	db := filepath.Join(t.TempDir(), "app.db")
	tool.MustExec(t, db, testKeySQL, nil, `CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);`)
	for n := 0; ; n++ {
		st, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() >= 16*1024 && st.Size()%4096 == 0 {
			break
		}
		if n == 100 {
			t.Fatalf("no size that is a multiple of 4096 after %d inserts", n)
		}
		tool.MustExec(t, db, testKeySQL, nil, `INSERT INTO t(b) SELECT hex(randomblob(50)) FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3);`)
	}
	want := tool.Tables(t, db, testKeySQL, nil, []string{"t"})
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testPassphrase), 0o600); err != nil {
		t.Fatal(err)
	}
	bk := filepath.Join(t.TempDir(), "app.db.backup")
	var rep backupReport
	decodeJSON(t, runApp(t, "backup", db, "-o", bk, "--json").mustSucceed(t).stdout, &rep)
	if rep.PageSize != 4096 || rep.PageSizeFrom != backup.PageSizeFromDefault {
		t.Fatalf("backup: %d-byte pages from %q", rep.PageSize, rep.PageSizeFrom)
	}
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	clear(b[4*1024 : 10*1024]) // pages 5-10 of 1024 bytes: table leaves
	broken := filepath.Join(t.TempDir(), "broken.db")
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	without := filepath.Join(t.TempDir(), "without.db")
	runApp(t, "repair", broken, "--key-file", keyFile, "-o", without)
	if len(ciphertest.PlainRows(t, without, "t")) == len(want["t"]) {
		t.Fatal("the damage loses no row without the backup: the test proves nothing")
	}
	out := filepath.Join(t.TempDir(), "fixed.db")
	if r := runApp(t, "repair", broken, "--key-file", keyFile, "--backup", bk, "-o", out); r.code != exitOK && r.code != exitPartial {
		t.Fatalf("repair with the backup: exit %d\n%s", r.code, r.stderr)
	}
	if diff := cmp.Diff(want["t"], ciphertest.PlainRows(t, out, "t")); diff != "" {
		t.Errorf("repaired with the backup (-want +got):\n%s", diff)
	}
}
