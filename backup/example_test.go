package backup_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/remote"
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

// ExampleRunToStore keeps versions of a database in a store (here a
// directory; an s3:// URL works the same), lists them and restores the
// newest.
func ExampleRunToStore() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	if err := exampleStore(dir); err != nil {
		log.Print(err)
	}
	os.RemoveAll(dir)
	// Output:
	// full true
	// unchanged 0
	// 1 version(s)
	// restored, digest checked: true
}

func exampleStore(dir string) error {
	ctx := context.Background()
	db, err := testdb.Build(ctx, dir, testdb.Config{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Rows: 100})
	if err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "store"), 0o755); err != nil {
		return err
	}
	st, err := remote.Open(ctx, "file://"+filepath.Join(dir, "store"))
	if err != nil {
		return err
	}
	res, err := backup.RunToStore(ctx, db, st, backup.StoreOptions{})
	if err != nil {
		return err
	}
	fmt.Println(res.Mode, res.PagesWritten == int(res.PageCount))
	res, err = backup.RunToStore(ctx, db, st, backup.StoreOptions{Keep: 10})
	if err != nil {
		return err
	}
	fmt.Println(res.Mode, res.PagesWritten)
	list, err := backup.ListVersions(ctx, st, nil)
	if err != nil {
		return err
	}
	fmt.Printf("%d version(s)\n", len(list))
	r, err := backup.RestoreFromStore(ctx, st, filepath.Join(dir, "restored.db"), backup.StoreReadOptions{})
	if err != nil {
		return err
	}
	fmt.Println("restored, digest checked:", r.Version == list[0].ID)
	return nil
}

// ExampleRun_encrypted backs up a database encrypted with SQLCipher
// without its key: the ciphertext pages are copied under SQLite's reader
// locks, and verify checks them by CRC (integrity_check needs the key).
// Random bytes stand in for the encrypted file here.
func ExampleRun_encrypted() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	if err := exampleEncrypted(dir); err != nil {
		log.Print(err)
	}
	os.RemoveAll(dir)
	// Output:
	// full 4 pages, encrypted: true
	// verified: true - encrypted: integrity_check needs the key
}

func exampleEncrypted(dir string) error {
	page := make([]byte, 4*4096)
	for i := range page {
		page[i] = byte(i*7919 ^ i>>3*31)
	}
	db := filepath.Join(dir, "secret.db")
	if err := os.WriteFile(db, page, 0o600); err != nil {
		return err
	}
	res, err := backup.Run(context.Background(), db, db+".backup", backup.Options{Encryption: &backup.Encryption{PageSize: 4096}})
	if err != nil {
		return err
	}
	fmt.Println(res.Mode, res.PageCount, "pages, encrypted:", res.Snapshot.Encrypted)
	rep, err := backup.Verify(context.Background(), db+".backup")
	if err != nil {
		return err
	}
	fmt.Println("verified:", rep.OK, "-", rep.IntegritySkipped)
	return nil
}
