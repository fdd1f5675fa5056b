package backup_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/internal/testdb"
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
	db, err := testdb.Build(context.Background(), dir, testdb.Config{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Rows: 100})
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
