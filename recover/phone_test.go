package recover_test

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/internal/sqliteconn"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

// phoneDriver imitates the SQLite of a phone: Android registers the
// collations LOCALIZED and UNICODE (ICU collators, which tie strings that
// differ in case or accents only) and PHONEBOOK, and an iOS app its own
// functions, which its triggers call. No other SQLite has them.
func phoneDriver(t *testing.T) *sqlite.Driver {
	t.Helper()
	d := &sqlite.Driver{}
	d.MustRegisterCollationUtf8("LOCALIZED", func(a, b string) int { return strings.Compare(fold(a), fold(b)) })
	d.MustRegisterCollationUtf8("UNICODE", func(a, b string) int {
		if c := strings.Compare(fold(a), fold(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b) // then accents and case, as a tertiary ICU strength
	})
	d.MustRegisterCollationUtf8("PHONEBOOK", func(a, b string) int { return strings.Compare(letters(a), letters(b)) })
	d.MustRegisterScalarFunction("app_forget_chat", 1, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		return nil, nil
	})
	return d
}

// fold is a primary-strength sort key: lower case, accents dropped.
func fold(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ü", "u", "ö", "o", "ä", "a", "å", "a", "ç", "c", "ñ", "n")
	return r.Replace(strings.ToLower(s))
}

// letters is a phonebook key: letters only, folded.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, fold(s))
}

// openPhone opens the database at path as the phone would.
func openPhone(t *testing.T, d *sqlite.Driver, path string) *sql.DB {
	t.Helper()
	db := sqliteconn.Open(d, "file:"+path)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// phoneNames are contact names as people type them: case and accent
// variants of one name, which the phone's collations tie.
var phoneNames = []string{"Anna", "anna", "Émile", "emile", "Zoë", "zoe", "Bob", "bob-2", "Çelik", "celik", "Ångström", "angstrom", "Noël", "noel", "Müller", "mueller"}

// androidSchema is an Android app's database as the phone writes it: a
// contacts table whose columns and indexes use the phone's collations,
// Room's identity table and android_metadata, iOS Core Data's Z_ tables
// and a trigger calling an app function.
func androidSchema(rows int) []string {
	return []string{
		`CREATE TABLE android_metadata (locale TEXT)`,
		`INSERT INTO android_metadata VALUES ('en_US')`,
		`CREATE TABLE room_master_table (id INTEGER PRIMARY KEY, identity_hash TEXT)`,
		`INSERT OR REPLACE INTO room_master_table (id, identity_hash) VALUES(42, '5f1d2a7c0e9b4c3d8a6f1e2b3c4d5e6f')`,
		`CREATE TABLE contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, display_name TEXT COLLATE LOCALIZED, sort_key TEXT COLLATE PHONEBOOK, number TEXT)`,
		`CREATE INDEX contacts_name ON contacts (display_name COLLATE UNICODE)`,
		`CREATE INDEX contacts_sort ON contacts (sort_key, number)`,
		`CREATE TABLE tags (name TEXT COLLATE LOCALIZED UNIQUE, color INTEGER)`,
		`CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER)`,
		`CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB)`,
		`INSERT INTO Z_PRIMARYKEY VALUES (1, 'Contact', 0, 812), (2, 'Tag', 0, 9)`,
		`INSERT INTO Z_METADATA VALUES (1, '8C1B3E0A-4F2D-4C55-9A1E-2B7D9F3C6E11', x'62706c6973743030d4010203')`,
		`CREATE TABLE chats (id INTEGER PRIMARY KEY, title TEXT)`,
		`CREATE TRIGGER chat_gone AFTER DELETE ON chats BEGIN SELECT app_forget_chat(old.id); END`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
		 INSERT INTO contacts (display_name, sort_key, number)
		 SELECT %s, %s, printf('+1555%%07d', (i * 7919) %% 10000000) FROM n`, rows, pick("i"), pick("i * 5 + 3")),
		// LOCALIZED ties Anna and anna: the phone keeps the first.
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 40)
		 INSERT OR IGNORE INTO tags SELECT %s, i FROM n`, pick("i * 3")),
		`INSERT INTO chats VALUES (1, 'family'), (2, 'work')`,
		`CREATE TABLE settings (key TEXT COLLATE UNICODE PRIMARY KEY, value) WITHOUT ROWID`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 200)
		 INSERT OR IGNORE INTO settings SELECT %s || '.' || i, i FROM n`, pick("i")),
		`PRAGMA user_version = 7`,
	}
}

// pick is an SQL expression choosing one of phoneNames by an integer
// expression, with a number after it now and then.
func pick(i string) string {
	var b strings.Builder
	b.WriteString("(CASE (" + i + ") % " + fmt.Sprint(len(phoneNames)))
	for k, n := range phoneNames {
		fmt.Fprintf(&b, " WHEN %d THEN '%s'", k, n)
	}
	b.WriteString(" END) || CASE WHEN (" + i + ") % 7 = 0 THEN ' ' || ((" + i + ") % 50) ELSE '' END")
	return b.String()
}

// newPhoneDB builds an Android-style database at dir/name with the phone's
// registrations.
func newPhoneDB(t *testing.T, d *sqlite.Driver, dir, name string, stmts ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	db := openPhone(t, d, path)
	mustExec(t, db, append([]string{`PRAGMA page_size = 1024`}, stmts...)...)
	db.Close()
	return path
}

// samePhoneRows fails unless every query returns the same rows on both
// databases opened as the phone would.
func samePhoneRows(t *testing.T, d *sqlite.Driver, want, got string, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if diff := cmp.Diff(phoneRows(t, d, want, q), phoneRows(t, d, got, q)); diff != "" {
			t.Errorf("%s (-original +repaired):\n%s", q, diff)
		}
	}
}

// phoneSound fails unless the phone finds the database at path sound.
func phoneSound(t *testing.T, d *sqlite.Driver, path, when string) {
	t.Helper()
	if got := phoneRows(t, d, path, `PRAGMA integrity_check`); len(got) != 1 || got[0][0] != "string:ok" {
		t.Errorf("integrity_check on the phone %s: %v", when, got)
	}
}

// phoneRows reads a query's rows on the database at path opened as the
// phone would.
func phoneRows(t *testing.T, d *sqlite.Driver, path, query string) [][]string {
	t.Helper()
	return queryRows(t, openPhone(t, d, path), query)
}

// phoneQueries read every table of androidSchema in an order that uses the
// phone's collations, and the schema.
var phoneQueries = []string{
	`SELECT * FROM android_metadata`,
	`SELECT * FROM room_master_table`,
	`SELECT _id, display_name, sort_key, number FROM contacts ORDER BY _id`,
	`SELECT _id FROM contacts WHERE display_name = 'ANNA' ORDER BY _id`,
	`SELECT _id FROM contacts INDEXED BY contacts_name ORDER BY display_name COLLATE UNICODE, _id`,
	`SELECT sort_key, number FROM contacts INDEXED BY contacts_sort WHERE sort_key >= 'm' ORDER BY sort_key, number`,
	`SELECT * FROM tags ORDER BY name`,
	`SELECT * FROM Z_PRIMARYKEY`,
	`SELECT * FROM Z_METADATA`,
	`SELECT * FROM chats`,
	`SELECT * FROM settings ORDER BY key`,
	`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name != 'sqlite_sequence' ORDER BY name`,
	`SELECT * FROM sqlite_sequence`,
	`PRAGMA user_version`,
}

// Issue 11 §5: an intact Android database comes back whole, its tables
// with their exact CREATE text and every index on the phone's collations
// written in the phone's order, so that the phone opens it with the same
// rows and a passing integrity_check; the trigger calling an app function
// is created and never runs.
func TestAndroidDatabaseAsThePhoneWroteIt(t *testing.T) {
	dir := t.TempDir()
	phone := phoneDriver(t)
	db := newPhoneDB(t, phone, dir, "contacts2.db", androidSchema(3000)...)
	rep, out := repair(t, db, recover.Options{})
	if rep.Status != recover.StatusComplete || len(rep.NotCreated) != 0 || len(rep.RejectedSQL) != 0 {
		t.Errorf("status %s, not created %v, rejected %v, reasons %+v", rep.Status, rep.NotCreated, rep.RejectedSQL, rep.Reasons)
	}
	samePhoneRows(t, phone, db, out, phoneQueries...)
	phoneSound(t, phone, out, "")
}

// Issue 11 §5: an index on a phone's collation whose b-tree is damaged is
// never rebuilt in an order of ours: it is left out, the report names it
// and gives its CREATE to run on the device, and the phone finds the
// output sound, before and after the step.
func TestDamagedPhoneIndexIsLeftOutWithAStepForTheDevice(t *testing.T) {
	dir := t.TempDir()
	phone := phoneDriver(t)
	db := newPhoneDB(t, phone, dir, "contacts2.db", androidSchema(3000)...)
	meta := takeMeta(t, db, filepath.Join(dir, "meta.bak"))
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), leafOf(t, meta, "contacts_name").Pgno)
	rep, out := repair(t, broken, recover.Options{})
	samePhoneRows(t, phone, db, out, phoneQueries[:4]...)
	if got := phoneRows(t, phone, out, `SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name`); !cmp.Equal(got, [][]string{{"string:contacts_sort"}, {"string:sqlite_autoindex_tags_1"}}) {
		t.Errorf("indexes in the output: %v", got)
	}
	want := []string{`CREATE INDEX contacts_name ON contacts (display_name COLLATE UNICODE);`}
	if diff := cmp.Diff(want, rep.DeviceSteps); diff != "" {
		t.Errorf("device steps (-want +got):\n%s", diff)
	}
	if rep.Status != recover.StatusPartial || !slices.ContainsFunc(rep.NotCreated, func(s string) bool { return strings.Contains(s, "contacts_name") }) {
		t.Errorf("status %s, not created %v", rep.Status, rep.NotCreated)
	}
	phoneSound(t, phone, out, "")
	mustExec(t, openPhone(t, phone, out), want[0])
	phoneSound(t, phone, out, "after the device step")
}

// The index of a UNIQUE constraint on a phone's collation comes with its
// table and cannot be left out: when its b-tree in the damaged file is
// gone, the report asks for a REINDEX on the device.
func TestDamagedPhoneConstraintIndexAsksForReindex(t *testing.T) {
	dir := t.TempDir()
	phone := phoneDriver(t)
	db := newPhoneDB(t, phone, dir, "contacts2.db", androidSchema(300)...)
	meta := takeMeta(t, db, filepath.Join(dir, "meta.bak"))
	m, _, err := master.ReadLatest(meta)
	if err != nil {
		t.Fatal(err)
	}
	var root uint32
	for _, tr := range m.Trees {
		if tr.Name == "sqlite_autoindex_tags_1" {
			root = tr.Root
		}
	}
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), root)
	rep, out := repair(t, broken, recover.Options{})
	samePhoneRows(t, phone, db, out, `SELECT * FROM tags ORDER BY rowid`)
	if want := []string{`REINDEX "tags"; -- sqlite_autoindex_tags_1 orders it by LOCALIZED, only the phone has that collation`}; !cmp.Equal(want, rep.DeviceSteps) {
		t.Errorf("device steps %q, want %q", rep.DeviceSteps, want)
	}
	if rep.Status != recover.StatusPartial {
		t.Errorf("status %s", rep.Status)
	}
	mustExec(t, openPhone(t, phone, out), `REINDEX tags`)
	phoneSound(t, phone, out, "after the device step")
}
