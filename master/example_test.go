package master_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/master"
)

// An app takes a metadata backup after each schema change or checkpoint;
// Unchanged makes repeating it nearly free when nothing was written.
func ExampleCapture() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err) // an example has no caller to return to
	}
	defer os.RemoveAll(dir)
	dbPath := filepath.Join(dir, "app.db")
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		panic(err)
	}
	for _, q := range []string{
		`CREATE TABLE notes(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL DEFAULT '')`,
		`INSERT INTO notes(body) VALUES ('buy milk'), ('call home')`,
	} {
		if _, err := db.Exec(q); err != nil {
			panic(err)
		}
	}
	db.Close()

	metaPath := dbPath + ".meta"
	if same, _ := master.Unchanged(dbPath, metaPath, master.Options{}); !same {
		m, err := master.Capture(context.Background(), dbPath, master.Options{})
		if err != nil {
			panic(err)
		}
		if err := master.WriteFile(metaPath, m); err != nil {
			panic(err)
		}
	}

	m, _, err := master.ReadLatest(metaPath)
	if err != nil {
		panic(err)
	}
	for _, t := range m.Tables {
		fmt.Printf("table %s: %d columns, rowid alias column %d\n", t.Name, len(t.Columns), t.RowidAlias)
	}
	for _, s := range m.Sequences {
		fmt.Printf("sequence %s = %d\n", s.Name, s.Seq)
	}
	for _, tr := range m.Trees {
		fmt.Printf("b-tree %s: root %d, %d leaves\n", tr.Name, tr.Root, len(tr.Leaves))
	}
	same, _ := master.Unchanged(dbPath, metaPath, master.Options{})
	fmt.Println("unchanged since the backup:", same)
	// Output:
	// table notes: 2 columns, rowid alias column 0
	// table sqlite_sequence: 2 columns, rowid alias column -1
	// sequence notes = 2
	// b-tree sqlite_master: root 1, 1 leaves
	// b-tree notes: root 2, 1 leaves
	// b-tree sqlite_sequence: root 3, 1 leaves
	// unchanged since the backup: true
}
