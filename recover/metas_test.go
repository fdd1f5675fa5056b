package recover_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/recover"
)

// migrated builds the messenger database, takes a metadata backup, then
// migrates the schema as an app update does (a column added, a new table
// with rows, a new index) and takes a second backup. It returns the
// database and both backups.
func migrated(t *testing.T, dir string) (db, oldMeta, newMeta string) {
	t.Helper()
	db = newDB(t, dir, "app.db", messenger...)
	oldMeta = takeMeta(t, db, filepath.Join(dir, "old.meta"))
	execOn(t, db,
		`ALTER TABLE messages ADD COLUMN starred INTEGER NOT NULL DEFAULT 0`,
		`WITH RECURSIVE n(i) AS (SELECT 401 UNION ALL SELECT i+1 FROM n WHERE i < 600)
		 INSERT INTO messages(id, contact_id, body, unread, starred) SELECT i, 1 + i % 200, 'later message ' || i, 1, i % 3 FROM n`,
		`CREATE TABLE drafts(id INTEGER PRIMARY KEY, body TEXT)`,
		`INSERT INTO drafts(body) VALUES ('unsent one'), ('unsent two')`,
		`CREATE INDEX messages_starred ON messages(starred)`,
	)
	newMeta = takeMeta(t, db, filepath.Join(dir, "new.meta"))
	return db, oldMeta, newMeta
}

// Issue 10 §4: a metadata backup taken before a migration, then page 1
// destroyed. The repair must not fail; rows wider than the old schema
// (written after ADD COLUMN) still land in their table, which grows a
// column; the table the old backup does not know is kept in
// lost_and_found, and the report says so.
func TestStaleMetaAfterMigration(t *testing.T) {
	dir := t.TempDir()
	db, oldMeta, _ := migrated(t, dir)
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), 1)
	rep, out := repair(t, broken, recover.Options{MetaPaths: []string{oldMeta}})
	msgs := tableReport(t, rep, "messages")
	if len(msgs.AddedColumns) != 1 {
		t.Fatalf("messages: added columns %v", msgs.AddedColumns)
	}
	// Rows written before the migration have no value for the new
	// column in their record (SQLite reads its DEFAULT): NULL in the
	// grown table, whose backup did not know the default.
	want := rows(t, db, `SELECT id, contact_id, body, unread, CASE WHEN id <= 400 THEN NULL ELSE starred END FROM messages ORDER BY id`)
	got := rows(t, out, `SELECT id, contact_id, body, unread, `+msgs.AddedColumns[0]+` FROM messages ORDER BY id`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-original +repaired):\n%s", diff)
	}
	sameRows(t, db, out, `SELECT * FROM contacts ORDER BY id`)
	sameRows(t, db, out, `SELECT * FROM settings ORDER BY key`)
	if rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonRowsUnplaced) {
		t.Errorf("status %s, reasons %v", rep.Status, reasonCodes(rep))
	}
}

// Issue 10 §4: with several metadata backups each object takes the newest
// that matches, whatever the order they are given in; with the newest
// one, the migrated database comes back whole.
func TestSeveralMetasNewestWins(t *testing.T) {
	dir := t.TempDir()
	db, oldMeta, newMeta := migrated(t, dir)
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), 1)
	for _, order := range [][]string{{oldMeta, newMeta}, {newMeta, oldMeta}, {newMeta}} {
		rep, out := repair(t, broken, recover.Options{MetaPaths: order})
		for _, q := range []string{`SELECT * FROM messages ORDER BY id`, `SELECT * FROM contacts ORDER BY id`,
			`SELECT * FROM settings ORDER BY key`, `SELECT * FROM drafts ORDER BY id`} {
			sameRows(t, db, out, q)
		}
		if rep.Status != recover.StatusComplete {
			t.Errorf("metas %v: status %s, reasons %+v", order, rep.Status, rep.Reasons)
		}
		if len(tableReport(t, rep, "messages").AddedColumns) != 0 {
			t.Errorf("metas %v: columns added although the newest backup knows them", order)
		}
	}
}

// Issue 10 §4: a metadata backup of another database, given for an intact
// file, is refused with a reason, and the intact file is repaired exactly
// as without it.
func TestForeignMetaIsRefused(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", messenger...)
	other := newDB(t, dir, "other.db",
		`CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body BLOB)`,
		`CREATE TABLE contacts(id INTEGER PRIMARY KEY, nickname TEXT, phone TEXT, extra TEXT)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
		 INSERT INTO notes(title, body) SELECT 'note ' || i, randomblob(100) FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
		 INSERT INTO contacts(nickname, phone, extra) SELECT 'nick' || i, 'p' || i, 'x' FROM n`)
	foreign := takeMeta(t, other, filepath.Join(dir, "other.meta"))
	rep, out := repair(t, db, recover.Options{MetaPaths: []string{foreign}})
	for _, q := range []string{`SELECT * FROM messages ORDER BY id`, `SELECT * FROM contacts ORDER BY id`, `SELECT * FROM settings ORDER BY key`} {
		sameRows(t, db, out, q)
	}
	if len(rep.Metas) != 1 || rep.Metas[0].Verdict != recover.MetaRefused || rep.Metas[0].Why == "" {
		t.Errorf("metas: %+v", rep.Metas)
	}
	if rep.Status != recover.StatusPartial || !slices.Equal(reasonCodes(rep), []string{recover.ReasonMeta}) {
		t.Errorf("status %s, reasons %+v", rep.Status, rep.Reasons)
	}
	if tableReport(t, rep, "contacts").SchemaFrom != recover.SchemaFromFile {
		t.Errorf("contacts schema from %s", tableReport(t, rep, "contacts").SchemaFrom)
	}
}
