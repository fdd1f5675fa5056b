package recover_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

// The whole rescue: an app keeps a metadata backup of its database while
// it is healthy; a device then destroys page 1 (the header and
// sqlite_master), and SQLite refuses the file; Repair puts every row back,
// in a fresh database, with the schema from the metadata backup.
func ExampleRepair() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err) // an example has no caller to return to
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// The app's database, and its metadata backup.
	dbPath := filepath.Join(dir, "app.db")
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		panic(err)
	}
	for _, q := range []string{
		`PRAGMA page_size = 1024`,
		`CREATE TABLE contacts(id INTEGER PRIMARY KEY, name TEXT NOT NULL)`,
		`CREATE TABLE notes(id INTEGER PRIMARY KEY, contact INTEGER REFERENCES contacts, body TEXT)`,
		`CREATE INDEX notes_by_contact ON notes(contact)`,
		`INSERT INTO contacts(name) VALUES ('Alice'), ('Bob')`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
		 INSERT INTO notes(contact, body) SELECT 1 + i % 2, printf('note %d', i) FROM n`,
	} {
		if _, err := db.Exec(q); err != nil {
			panic(err)
		}
	}
	db.Close()
	metaPath := dbPath + ".meta"
	m, err := master.Capture(ctx, dbPath, master.Options{})
	if err != nil {
		panic(err)
	}
	if err := master.WriteFile(metaPath, m); err != nil {
		panic(err)
	}

	// Page 1 is destroyed.
	f, err := os.OpenFile(dbPath, os.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	if _, err := f.WriteAt(make([]byte, 1024), 0); err != nil {
		panic(err)
	}
	f.Close()

	// The repair.
	fixed := filepath.Join(dir, "fixed.db")
	rep, err := recover.Repair(ctx, dbPath, recover.Options{Output: fixed, MetaPaths: []string{metaPath}})
	if err != nil {
		panic(err)
	}
	fmt.Println("status:", rep.Status)
	fmt.Println("page size", rep.Geometry.PageSize, "from the", rep.Geometry.From)
	for _, t := range rep.Tables {
		fmt.Printf("%s: %d rows back (schema from the %s), %d known lost\n", t.Name, t.RowsWritten, t.SchemaFrom, t.RowsKnownLost)
	}

	// The repaired database is an ordinary SQLite database.
	out, err := sql.Open("sqlite", "file:"+fixed+"?mode=ro")
	if err != nil {
		panic(err)
	}
	defer out.Close()
	var alice int
	var last string
	if err := out.QueryRow(`SELECT (SELECT count(*) FROM notes JOIN contacts ON contacts.id = contact WHERE name = 'Alice'),
		(SELECT body FROM notes ORDER BY id DESC LIMIT 1)`).Scan(&alice, &last); err != nil {
		panic(err)
	}
	fmt.Printf("Alice has %d notes; the last note is %q\n", alice, last)
	// Output:
	// status: complete
	// page size 1024 from the meta
	// contacts: 2 rows back (schema from the meta), 0 known lost
	// notes: 300 rows back (schema from the meta), 0 known lost
	// Alice has 150 notes; the last note is "note 300"
}
