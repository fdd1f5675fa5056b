package btree_test

import (
	"context"
	"os"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// BenchmarkReadEverything opens a database file and walks every b-tree in
// sqlite_master, assembling every payload and decoding every record: the
// parse half of a repair. MB/s is of the database file.
func BenchmarkReadEverything(b *testing.B) {
	for _, ps := range []int{4096, 65536} {
		c := testdb.Config{PageSize: ps, Encoding: 1, AutoVacuum: "none", Rows: 20000, Seed: 9}
		b.Run(c.Name(), func(b *testing.B) {
			path, err := testdb.Build(context.Background(), b.TempDir(), c)
			if err != nil {
				b.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(st.Size())
			b.ResetTimer()
			for b.Loop() {
				if n := readEverything(b, path, pagefile.Options{}); n == 0 {
					b.Fatal("no records read")
				}
			}
		})
	}
}

func readEverything(b *testing.B, path string, opts pagefile.Options) int {
	f, err := pagefile.Open(path, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := btree.ReaderFor(f)
	schema, _, err := r.ReadSchema()
	if err != nil {
		b.Fatal(err)
	}
	records := 0
	for _, s := range schema {
		if s.RootPage <= 0 {
			continue
		}
		res, err := r.Walk(uint32(s.RootPage), func(e *btree.Entry) error {
			_, err := r.Record(e.Payload)
			records++
			return err
		})
		if err != nil || len(res.Errors) > 0 {
			b.Fatal(err, res.Errors)
		}
	}
	return records
}
