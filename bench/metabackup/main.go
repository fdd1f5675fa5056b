// Command metabackup measures the metadata backup on a large database:
// full capture (page lists, leaf and overflow CRCs, counts), schema-only
// capture, the unchanged check, and the backup's size as a share of the
// database.
//
//	go run ./bench/metabackup                 # builds a 1 GB database in a temp dir
//	go run ./bench/metabackup -mb 200 -runs 5
//	go run ./bench/metabackup -db /path/app.db
//
// It prints one Markdown table row per measurement (best of -runs). The
// database is built with internal/testdb: rows of text, reals, integers and
// blobs (10% of them 2-22 KB, so with overflow chains), an index and a
// WITHOUT ROWID table, 4096-byte pages.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	mb := flag.Int("mb", 1024, "approximate size of the database to build, in MB")
	runs := flag.Int("runs", 3, "runs per measurement; the best is reported")
	dbPath := flag.String("db", "", "measure this database instead of building one")
	flag.Parse()
	ctx := context.Background()

	path := *dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "bench-metabackup")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		start := time.Now()
		// About 1.45 KB of file per row with this generator.
		rows := *mb * 1024 * 1024 / 1480
		path, err = testdb.Build(ctx, dir, testdb.Config{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Rows: rows, Seed: 1})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "built %s (%d rows) in %v\n", path, rows, time.Since(start).Round(time.Second))
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	metaPath := filepath.Join(filepath.Dir(path), "bench.meta")

	var full *master.Meta
	fullTime := best(*runs, func() {
		if full, err = master.Capture(ctx, path, master.Options{}); err != nil {
			log.Fatal(err)
		}
	})
	schemaTime := best(*runs, func() {
		if _, err := master.Capture(ctx, path, master.Options{SchemaOnly: true}); err != nil {
			log.Fatal(err)
		}
	})
	writeTime := best(*runs, func() {
		if err := master.WriteFile(metaPath, full); err != nil {
			log.Fatal(err)
		}
	})
	skipTime := best(*runs*100, func() {
		if same, err := master.Unchanged(path, metaPath, master.Options{}); !same || err != nil {
			log.Fatalf("unchanged check failed: %v %v", same, err)
		}
	})
	ms, err := os.Stat(metaPath)
	if err != nil {
		return err
	}
	pages := 0
	for _, t := range full.Trees {
		pages += len(t.Interior) + len(t.Leaves) + len(t.Overflow)
	}
	fmt.Printf("| database | %.0f MB, %d pages of %d bytes, %d b-trees |\n", float64(st.Size())/1e6, full.Header.PageCount, full.Header.PageSize, len(full.Trees))
	fmt.Printf("| full capture (page lists + CRCs + counts, read from %s) | %v (%.0f MB/s) |\n", full.PagesReadFrom, fullTime.Round(time.Millisecond), float64(st.Size())/1e6/fullTime.Seconds())
	fmt.Printf("| write the backup (encode, compress, fsync, rename) | %v |\n", writeTime.Round(time.Millisecond))
	fmt.Printf("| schema-only capture | %v |\n", schemaTime.Round(10*time.Microsecond))
	fmt.Printf("| unchanged check | %v |\n", skipTime.Round(time.Microsecond))
	fmt.Printf("| backup size | %d bytes, %.3f%% of the database, %d pages listed |\n", ms.Size(), 100*float64(ms.Size())/float64(st.Size()), pages)
	return nil
}

// best runs f n times and returns the shortest duration.
func best(n int, f func()) time.Duration {
	var fastest time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		f()
		if d := time.Since(start); i == 0 || d < fastest {
			fastest = d
		}
	}
	return fastest
}
