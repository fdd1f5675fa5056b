// Command pagemap measures the page map on a large database: the census
// inspect takes, then the map drawn from it, with the size of the HTML
// file. It is what `dbrescue inspect --map FILE.html DB` does, timed
// phase by phase.
//
//	go run ./bench/pagemap                      # builds a ~1 GB database in a temp dir
//	go run ./bench/pagemap -mb 4 -db /tmp/app.db   # builds it there (kept), or measures it if it exists
//
// The database is a messenger database from package corpus (tables,
// indexes and overflow chains interleaved, deleted rows on the
// freelist), 4096-byte pages: the worst case for runs of alike pages.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/pagemap"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	mb := flag.Int64("mb", 1024, "approximate size of the database to build, in MB")
	dbPath := flag.String("db", "", "measure this database; built there first when it does not exist (default: a temporary one)")
	runs := flag.Int("runs", 3, "runs; the fastest is reported")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of drawing the maps to `FILE`")
	flag.Parse()
	ctx := context.Background()

	path := *dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "bench-pagemap")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "app.db")
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := build(ctx, path, *mb<<20); err != nil {
			return err
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	var best struct {
		census, render time.Duration
		html           int
		pages          uint32
	}
	for i := 0; i < *runs; i++ {
		start := time.Now()
		in, err := inspect.Open(ctx, path, pagefile.Options{})
		if err != nil {
			return err
		}
		surveyed := time.Now()
		var buf bytes.Buffer
		stop := func() {}
		if *cpuprofile != "" && i == 0 {
			if stop, err = profile(*cpuprofile); err != nil {
				return err
			}
		}
		err = pagemap.Render(&buf, in.Census, pagemap.Options{Title: filepath.Base(path)})
		stop()
		in.Close()
		if err != nil {
			return err
		}
		c, r := surveyed.Sub(start), time.Since(surveyed)
		if i == 0 || c+r < best.census+best.render {
			best.census, best.render, best.html, best.pages = c, r, buf.Len(), in.File.PageCount()
		}
	}
	per := max(1, (uint64(best.pages)+pagemap.DefaultMaxCells-1)/pagemap.DefaultMaxCells)
	fmt.Printf("| page map, %d MB database (%d pages, %d per cell) | census %v, map drawn in %v; HTML file %d bytes (best of %d) | `go run ./bench/pagemap -mb %d` |\n",
		st.Size()>>20, best.pages, per, best.census.Round(time.Millisecond), best.render.Round(time.Millisecond), best.html, *runs, *mb)
	return nil
}

// build generates a corpus database of about size bytes at path.
func build(ctx context.Context, path string, size int64) error {
	start := time.Now()
	dir, err := os.MkdirTemp(filepath.Dir(path), ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := corpus.Generate(ctx, dir, corpus.Spec{Seed: 1, Bytes: size, Deletes: true})
	if err != nil {
		return err
	}
	if err := os.Rename(db.Path, path); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "built %s in %v\n", path, time.Since(start).Round(time.Second))
	return nil
}

// profile starts a CPU profile into path; stop ends it.
func profile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
