package recover_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/recover"
)

// Issue 10 §2: a copy taken during a write transaction holds uncommitted
// pages in the main file and their committed content in the hot journal.
// The repair rolls the journal back, read-only, as SQLite would: every
// row is the committed one, the report says a journal was rolled back,
// and the journal is left as it was. A damaged journal record makes the
// result partial and says why.
func TestHotJournalIsRolledBack(t *testing.T) {
	dir := t.TempDir()
	hj, err := testdb.BuildHotJournal(filepath.Join(dir, "build.db"), "FULL", 1024, 2000)
	if err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join(dir, "committed.db")
	broken := filepath.Join(dir, "app.db")
	for path, b := range map[string][]byte{committed: hj.Committed, broken: hj.Main, broken + "-journal": hj.Journal} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, out := repair(t, broken, recover.Options{})
	sameRows(t, committed, out, `SELECT * FROM t ORDER BY id`)
	if !rep.Journal.Hot || rep.Journal.Records == 0 || rep.Status != recover.StatusComplete {
		t.Errorf("journal %+v, status %s, reasons %+v", rep.Journal, rep.Status, rep.Reasons)
	}
	if b, _ := os.ReadFile(broken + "-journal"); string(b) != string(hj.Journal) {
		t.Error("the journal was modified")
	}

	// --no-journal reads the uncommitted pages: different rows.
	_, raw := repair(t, broken, recover.Options{NoJournal: true})
	if cmp.Equal(rows(t, committed, `SELECT * FROM t ORDER BY id`), rows(t, raw, `SELECT * FROM t ORDER BY id`)) {
		t.Fatal("test premise: without the journal the rows are the same")
	}

	// Damage the first record's page image where its checksum samples
	// it (every 200th byte from the end of the page).
	bad := slices.Clone(hj.Journal)
	sector := int(binary.BigEndian.Uint32(bad[20:]))
	bad[sector+4+1024-200] ^= 0x55
	if err := os.WriteFile(broken+"-journal", bad, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, _ = repair(t, broken, recover.Options{})
	if rep.Journal.BadRecords == 0 || rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonJournal) {
		t.Errorf("damaged journal: %+v, status %s, reasons %v", rep.Journal, rep.Status, reasonCodes(rep))
	}
}

// walDB builds a WAL-mode database whose rows live partly in committed,
// not checkpointed, WAL frames, and copies both files.
func walDB(t *testing.T) (db, want string) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	conn, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	mustExec(t, conn, `PRAGMA page_size = 1024`, `PRAGMA journal_mode = WAL`, `PRAGMA wal_autocheckpoint = 0`,
		`CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
		 INSERT INTO notes(body) SELECT 'first ' || i FROM n`,
		`PRAGMA wal_checkpoint(TRUNCATE)`)
	for i := 0; i < 6; i++ {
		mustExec(t, conn, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 50)
		 INSERT INTO notes(body) SELECT 'later ' || i FROM n`, `UPDATE notes SET body = body || '.' WHERE id % 7 = 0`)
	}
	want = filepath.Join(dir, "want.db")
	mustExec(t, conn, `VACUUM INTO '`+want+`'`)
	db = filepath.Join(t.TempDir(), "app.db")
	copyFile(t, src, db)
	copyFile(t, src+"-wal", db+"-wal")
	return db, want
}

// Issue 10 §3: a WAL that exists but cannot be used, or only in part, is
// never a complete repair; one whose header was lost is salvaged from its
// frames; one with a damaged frame inside is read past it, the page that
// frame held flagged.
func TestDamagedWALIsReportedAndSalvaged(t *testing.T) {
	db, want := walDB(t)
	walBytes, err := os.ReadFile(db + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) {
		if err := os.WriteFile(db+"-wal", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The header zeroed: every frame is proven from the frames themselves.
	zeroed := slices.Clone(walBytes)
	clear(zeroed[:pagefile.WALHeaderSize])
	write(zeroed)
	rep, out := repair(t, db, recover.Options{})
	sameRows(t, want, out, `SELECT * FROM notes ORDER BY id`)
	if rep.WAL.Salvaged == "" || rep.Status != recover.StatusComplete {
		t.Errorf("zeroed header: WAL %+v, status %s, reasons %+v", rep.WAL, rep.Status, rep.Reasons)
	}

	// The header and the first frame's page destroyed: frame 0 cannot
	// be proven, the frames after it can (from its stored checksum);
	// what frame 0 held is lost, and the result says so.
	clear(zeroed[pagefile.WALHeaderSize+pagefile.WALFrameHeaderSize : pagefile.WALHeaderSize+pagefile.WALFrameHeaderSize+1024])
	write(zeroed)
	rep, _ = repair(t, db, recover.Options{})
	if rep.WAL.LostFrames != 1 || rep.Status == recover.StatusComplete {
		t.Errorf("header and frame 0 destroyed: WAL %+v, status %s", rep.WAL, rep.Status)
	}

	// A frame inside the log damaged: the frames after it are still
	// read, and its page is flagged.
	mid := slices.Clone(walBytes)
	frame := int64(pagefile.WALHeaderSize + 5*(pagefile.WALFrameHeaderSize+1024))
	mid[frame+pagefile.WALFrameHeaderSize+700] ^= 0xff
	write(mid)
	rep, _ = repair(t, db, recover.Options{})
	if len(rep.WAL.SkippedFrames) != 1 || rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonWAL) {
		t.Errorf("damaged frame: WAL %+v, status %s, reasons %v", rep.WAL, rep.Status, reasonCodes(rep))
	}

	// Random bytes: nothing can be proven. The WAL is unusable, and the
	// repair, from the main file alone, is partial.
	noise := slices.Clone(walBytes)
	for i := range noise {
		noise[i] = byte(i*131 + 7)
	}
	write(noise)
	rep, _ = repair(t, db, recover.Options{})
	if rep.WAL.Error == "" || rep.Status != recover.StatusPartial {
		t.Errorf("noise: WAL %+v, status %s", rep.WAL, rep.Status)
	}

	// No -wal at all beside a WAL-mode database: a warning.
	if err := os.Remove(db + "-wal"); err != nil {
		t.Fatal(err)
	}
	rep, _ = repair(t, db, recover.Options{})
	if !rep.WAL.Missing || len(rep.Warnings) == 0 {
		t.Errorf("missing WAL: %+v, warnings %v", rep.WAL, rep.Warnings)
	}
}

// Issue 10 §5: with a page-level backup, a destroyed index page is read
// back from the backup like any lost page, but an index's entries never
// become rows of a table (here the two-column WITHOUT ROWID settings,
// whose rows have their shape): the backup's own metadata says which tree
// each of its pages belongs to.
func TestBackupIndexPagesStayIndexes(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	bak := filepath.Join(dir, "app.backup")
	if _, err := backup.Run(context.Background(), db, bak, backup.Options{}); err != nil {
		t.Fatal(err)
	}
	bf, err := backup.Open(bak)
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	var victims []uint32
	for _, tr := range bf.Meta.Trees {
		if tr.Name == "messages_unread" || tr.Name == "contacts_phone" {
			for _, l := range tr.Leaves {
				victims = append(victims, l.Pgno)
			}
		}
	}
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), victims...)
	rep, out := repair(t, broken, recover.Options{Backup: &recover.BackupPages{Source: bf.Source, Meta: bf.Meta, Verify: bf.VerifyPage}})
	for _, q := range []string{`SELECT * FROM settings ORDER BY key`, `SELECT * FROM messages ORDER BY id`, `SELECT * FROM contacts ORDER BY id`} {
		sameRows(t, db, out, q)
	}
	for _, tr := range rep.Tables {
		if tr.FromBackup != 0 || tr.FromShape != 0 {
			t.Errorf("%s: %d rows from the backup, %d by shape: index entries taken for rows", tr.Name, tr.FromBackup, tr.FromShape)
		}
	}
	if len(rep.LostAndFound) != 0 || rep.Integrity != "ok" {
		t.Errorf("lost_and_found %+v, integrity %s", rep.LostAndFound, rep.Integrity)
	}
}
