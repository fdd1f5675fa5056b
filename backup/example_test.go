package backup_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/backup"
)

// ExampleRun backs a database up twice: a full copy first, then an
// incremental update that writes nothing because nothing changed, and
// verifies the result.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	if err := example(dir); err != nil {
		log.Print(err)
	}
	os.RemoveAll(dir)
	// Output:
	// full true
	// incremental 0
	// verified: true
}

func example(dir string) error {
	// The app's database, written by SQLite.
	db := filepath.Join(dir, "app.db")
	conn, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		return err
	}
	_, err = conn.Exec(`CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
		INSERT INTO notes(body) SELECT printf('note %d', i) FROM n`)
	conn.Close()
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, "app.db.backup")
	res, err := backup.Run(context.Background(), db, dst, backup.Options{})
	if err != nil {
		return err
	}
	fmt.Println(res.Mode, res.PagesWritten == int(res.PageCount))
	res, err = backup.Run(context.Background(), db, dst, backup.Options{Force: true})
	if err != nil {
		return err
	}
	fmt.Println(res.Mode, res.PagesWritten)
	rep, err := backup.Verify(context.Background(), dst)
	if err != nil {
		return err
	}
	fmt.Println("verified:", rep.OK)
	return nil
}
