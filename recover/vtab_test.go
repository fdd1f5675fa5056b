package recover_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

// searchApp is a messenger's search schema: an FTS5 table over message
// text, a vocabulary of it, an R-Tree of map places, and an FTS4 table.
// modernc.org/sqlite has no FTS4 module, so the FTS4 table is written as
// SQLite stores one: its sqlite_master row (root page 0) beside its shadow
// tables, which are plain tables.
var searchApp = []string{
	`CREATE VIRTUAL TABLE notes USING fts5(title, body)`,
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400)
	 INSERT INTO notes(rowid, title, body) SELECT i, 'title ' || i, 'body text ' || (i % 17) || ' word' || (i % 5) || ' ' || hex(randomblob(30)) FROM n`,
	`CREATE VIRTUAL TABLE vocab USING fts5vocab(notes, row)`,
	`CREATE VIRTUAL TABLE places USING rtree(id, minx, maxx, miny, maxy)`,
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
	 INSERT INTO places SELECT i, i, i + 1, -i, -i + 2 FROM n`,
	`CREATE TABLE old_search_content(docid INTEGER PRIMARY KEY, 'c0subject', 'c1text')`,
	`CREATE TABLE 'old_search_segments'(blockid INTEGER PRIMARY KEY, block BLOB)`,
	`CREATE TABLE 'old_search_segdir'(level INTEGER,idx INTEGER,start_block INTEGER,leaves_end_block INTEGER,end_block INTEGER,root BLOB,PRIMARY KEY(level, idx))`,
	`CREATE TABLE 'old_search_docsize'(docid INTEGER PRIMARY KEY, size BLOB)`,
	`CREATE TABLE 'old_search_stat'(id INTEGER PRIMARY KEY, value BLOB)`,
	`INSERT INTO old_search_content VALUES (1, 'hello', 'first message'), (2, 'again', 'second message')`,
	`INSERT INTO old_search_segdir VALUES (0, 0, 0, 0, '0 42', x'0004')`,
	`PRAGMA writable_schema = ON`,
	`INSERT INTO sqlite_master VALUES ('table', 'old_search', 'old_search', 0, 'CREATE VIRTUAL TABLE old_search USING fts4(subject, text, tokenize=porter)')`,
}

// Issue 11 §1: virtual tables of the built-in modules come back with
// their content, answering the same MATCH and R-Tree queries; an FTS4
// table comes back as its schema row beside its shadow tables.
func TestVirtualTablesComeBack(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", searchApp...)
	rep, out := repair(t, db, recover.Options{})
	for _, q := range []string{
		`SELECT rowid, title FROM notes WHERE notes MATCH 'word3' ORDER BY rowid`,
		`SELECT rowid FROM notes WHERE notes MATCH 'title AND 12*' ORDER BY rowid`,
		`SELECT term, doc, cnt FROM vocab ORDER BY term`,
		`SELECT id FROM places WHERE minx >= 50 AND maxx <= 70 ORDER BY id`,
		`SELECT * FROM old_search_content ORDER BY docid`,
		`SELECT * FROM old_search_segdir`,
		`SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master WHERE name = 'old_search'`,
	} {
		sameRows(t, db, out, q)
	}
	if rep.Status != recover.StatusComplete || len(rep.RejectedSQL) != 0 {
		t.Errorf("status %s, rejected %v, reasons %+v", rep.Status, rep.RejectedSQL, rep.Reasons)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "old_search") && strings.Contains(w, "fts4") }) {
		t.Errorf("no warning says the FTS4 table is written as its schema row: %v", rep.Warnings)
	}
}

// Issue 11 §1: a module that is not built in is never created (it would
// run code the repair does not know); its shadow tables stay plain tables.
func TestUnknownModuleIsRejected(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db",
		`CREATE TABLE words_vocab(id INTEGER PRIMARY KEY, word TEXT)`,
		`INSERT INTO words_vocab VALUES (1, 'kept')`,
		`PRAGMA writable_schema = ON`,
		`INSERT INTO sqlite_master VALUES ('table', 'words', 'words', 0, 'CREATE VIRTUAL TABLE words USING spellfix1')`)
	rep, out := repair(t, db, recover.Options{})
	sameRows(t, db, out, `SELECT * FROM words_vocab`)
	if len(rep.RejectedSQL) != 1 || !strings.Contains(rep.RejectedSQL[0], `"words"`) || rep.Status != recover.StatusPartial {
		t.Errorf("rejected %v, status %s", rep.RejectedSQL, rep.Status)
	}
	if n := len(rows(t, out, `SELECT 1 FROM sqlite_master WHERE name = 'words'`)); n != 0 {
		t.Error("the spellfix1 table was created")
	}
}

// Issue 11 §1: an FTS5 index whose pages were destroyed while its content
// survived is rebuilt from the content: MATCH answers as before.
func TestDamagedFTS5IndexIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	db := newDB(t, dir, "app.db", searchApp[:2]...)
	meta := takeMeta(t, db, filepath.Join(dir, "app.meta"))
	m, _, err := master.ReadLatest(meta)
	if err != nil {
		t.Fatal(err)
	}
	var victims []uint32
	for _, tr := range m.Trees {
		if tr.Name == "notes_data" {
			for _, l := range tr.Leaves {
				victims = append(victims, l.Pgno)
			}
		}
	}
	if len(victims) == 0 {
		t.Fatal("test premise: notes_data has no leaf")
	}
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), victims...)
	rep, out := repair(t, broken, recover.Options{})
	want := rows(t, db, `SELECT rowid FROM notes WHERE notes MATCH 'word3 OR word1' ORDER BY rowid`)
	if diff := cmp.Diff(want, rows(t, out, `SELECT rowid FROM notes WHERE notes MATCH 'word3 OR word1' ORDER BY rowid`)); diff != "" || len(want) == 0 {
		t.Errorf("MATCH after the rebuild (-original +repaired):\n%s", diff)
	}
	sameRows(t, db, out, `SELECT rowid, * FROM notes ORDER BY rowid`)
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "rebuilt") }) {
		t.Errorf("no warning of the rebuild: %v; reasons %+v", rep.Warnings, rep.Reasons)
	}
}
