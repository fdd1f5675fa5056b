package recover_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/recover"
)

// messenger is a small app schema: contacts with an index on phone,
// messages, and settings, a two-column WITHOUT ROWID table whose rows have
// the same shape as the phone index's entries (text, integer).
var messenger = []string{
	`CREATE TABLE contacts(id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT)`,
	`CREATE INDEX contacts_phone ON contacts(phone)`,
	`CREATE TABLE messages(id INTEGER PRIMARY KEY, contact_id INTEGER, body TEXT, unread INTEGER)`,
	`CREATE INDEX messages_unread ON messages(unread, contact_id)`,
	`CREATE TABLE settings(key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID`,
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
	 INSERT INTO contacts(id, name, phone) SELECT i, 'contact ' || i, '+33 6 ' || (10000000 + i*37) FROM n`,
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400)
	 INSERT INTO messages(id, contact_id, body, unread) SELECT i, 1 + i % 200, 'message number ' || i || ' ' || hex(randomblob(8)), i % 2 FROM n`,
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 150)
	 INSERT INTO settings(key, value) SELECT 'setting.' || i, i * 3 FROM n`,
}

// lostRows counts the rows kept in lost_and_found tables.
func lostRows(rep *recover.Report) int {
	n := 0
	for _, l := range rep.LostAndFound {
		n += l.Rows
	}
	return n
}

// Issue 10 §5: with the schema rows of contacts and its phone index gone
// (overwritten with zeros: secure_delete) and no metadata backup, the
// index's entries (text, rowid) fit the settings table's shape and
// contacts' rows fit messages'. Neither may be written there: settings
// and messages walked clean, so no orphan is theirs. Every contacts row
// and index entry is kept in lost_and_found, none dropped as a
// "duplicate" of a messages row.
func TestIndexEntriesNeverBecomeRows(t *testing.T) {
	dir := t.TempDir()
	orig := newDB(t, dir, "app.db", messenger...)
	broken := copyFile(t, orig, filepath.Join(dir, "broken.db"))
	execOn(t, broken, `PRAGMA secure_delete = ON`, `PRAGMA writable_schema = ON`, `DELETE FROM sqlite_master WHERE tbl_name = 'contacts'`)
	rep, out := repair(t, broken, recover.Options{})
	sameRows(t, orig, out, `SELECT * FROM settings ORDER BY key`)
	sameRows(t, orig, out, `SELECT * FROM messages ORDER BY id`)
	for _, name := range []string{"settings", "messages"} {
		if tr := tableReport(t, rep, name); tr.Duplicates != 0 || tr.FromShape != 0 {
			t.Errorf("%s: %d duplicates dropped, %d rows placed by shape", name, tr.Duplicates, tr.FromShape)
		}
	}
	// Every contacts row is in a lost_and_found table, whole.
	var laf []string
	for _, l := range rep.LostAndFound {
		if l.Kind == "table" {
			for _, r := range rows(t, out, fmt.Sprintf(`SELECT id, c1, c2 FROM %s ORDER BY id`, l.Table)) {
				laf = append(laf, strings.Join(r, "|"))
			}
		}
	}
	var want []string
	for _, r := range rows(t, orig, `SELECT id, name, phone FROM contacts ORDER BY id`) {
		want = append(want, strings.Join(r, "|"))
	}
	if !slices.Equal(want, laf) {
		t.Errorf("contacts rows in lost_and_found: %d of %d", len(laf), len(want))
	}
	if rep.Status != recover.StatusPartial || !slices.Contains(reasonCodes(rep), recover.ReasonRowsUnplaced) {
		t.Errorf("status %s, reasons %v", rep.Status, reasonCodes(rep))
	}
	if rep.Totals.KnownLost != 0 || rep.Totals.InLostAndFound != lostRows(rep) {
		t.Errorf("totals %+v", rep.Totals)
	}
}

// Issue 11 §3: schema rows deleted without secure_delete leave their
// bytes in the free space of sqlite_master's page: the table comes back
// under its name, with its CREATE text, its rows in it; so does its index.
func TestDeletedSchemaRowsAreCarved(t *testing.T) {
	dir := t.TempDir()
	orig := newDB(t, dir, "app.db", messenger...)
	broken := copyFile(t, orig, filepath.Join(dir, "broken.db"))
	execOn(t, broken, `PRAGMA secure_delete = OFF`, `PRAGMA writable_schema = ON`, `DELETE FROM sqlite_master WHERE tbl_name = 'contacts'`)
	rep, out := repair(t, broken, recover.Options{})
	for _, q := range []string{`SELECT * FROM contacts ORDER BY id`, `SELECT * FROM messages ORDER BY id`, `SELECT * FROM settings ORDER BY key`,
		`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name = 'contacts' ORDER BY name`} {
		sameRows(t, orig, out, q)
	}
	if c := tableReport(t, rep, "contacts"); c.SchemaFrom != recover.SchemaFromCarved || c.FromRoot != 200 {
		t.Errorf("contacts: schema from %s, %d rows placed by their root", c.SchemaFrom, c.FromRoot)
	}
	if len(rep.LostAndFound) != 0 {
		t.Errorf("lost_and_found: %+v", rep.LostAndFound)
	}
}

// Issue 11 §3: with the table's own schema row destroyed but its index's
// row intact, the index names the table and the column it covers; the
// index's rowids say which orphan tree is the table's. The table comes
// back under its name, its rows in it, the indexed column named.
func TestTableInferredFromItsIndex(t *testing.T) {
	dir := t.TempDir()
	orig := newDB(t, dir, "app.db", messenger...)
	broken := copyFile(t, orig, filepath.Join(dir, "broken.db"))
	execOn(t, broken, `PRAGMA secure_delete = ON`, `PRAGMA writable_schema = ON`, `DELETE FROM sqlite_master WHERE name = 'contacts'`)
	rep, out := repair(t, broken, recover.Options{})
	c := tableReport(t, rep, "contacts")
	if c.SchemaFrom != recover.SchemaFromInferred || c.RowsWritten != 200 {
		t.Fatalf("contacts: schema from %s, %d rows", c.SchemaFrom, c.RowsWritten)
	}
	want := rows(t, orig, `SELECT id, phone FROM contacts ORDER BY id`)
	if diff := cmp.Diff(want, rows(t, out, `SELECT rowid, phone FROM contacts ORDER BY rowid`)); diff != "" {
		t.Errorf("contacts (-original +inferred):\n%s", diff)
	}
}

// Issue 10 §4: lost_and_found tables never take a name the damaged file
// uses, whatever it is.
func TestLostAndFoundNamesNeverCollide(t *testing.T) {
	dir := t.TempDir()
	orig := newDB(t, dir, "app.db", append(slices.Clone(messenger),
		`CREATE TABLE lost_and_found_1(x)`, `CREATE TABLE "LOST_AND_FOUND_2"(y)`,
		`INSERT INTO lost_and_found_1 VALUES ('mine')`, `INSERT INTO "LOST_AND_FOUND_2" VALUES ('mine too')`)...)
	broken := copyFile(t, orig, filepath.Join(dir, "broken.db"))
	execOn(t, broken, `PRAGMA secure_delete = ON`, `PRAGMA writable_schema = ON`, `DELETE FROM sqlite_master WHERE tbl_name = 'contacts'`)
	rep, out := repair(t, broken, recover.Options{})
	sameRows(t, orig, out, `SELECT * FROM lost_and_found_1`)
	sameRows(t, orig, out, `SELECT * FROM "LOST_AND_FOUND_2"`)
	if len(rep.LostAndFound) == 0 {
		t.Fatal("no lost_and_found table made")
	}
	for _, l := range rep.LostAndFound {
		if strings.EqualFold(l.Table, "lost_and_found_1") || strings.EqualFold(l.Table, "lost_and_found_2") {
			t.Errorf("lost_and_found table %s collides with the file's", l.Table)
		}
	}
}
