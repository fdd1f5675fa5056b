package master_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

// hundredTables builds a database with 100 tables of six columns, each
// with an index, some WITHOUT ROWID.
func hundredTables(b *testing.B) string {
	path := filepath.Join(b.TempDir(), "wide.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 100; i++ {
		suffix := ""
		if i%10 == 0 {
			suffix = " WITHOUT ROWID"
		}
		for _, q := range []string{
			fmt.Sprintf(`CREATE TABLE t%d(id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '', b REAL, c BLOB, d INT, e NUMERIC)%s`, i, suffix),
			fmt.Sprintf(`CREATE INDEX t%d_a ON t%d(a, d)`, i, i),
			fmt.Sprintf(`INSERT INTO t%d(id, a, b) VALUES (1, 'x', 1.5)`, i),
		} {
			if _, err := db.Exec(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	return path
}

func BenchmarkCaptureSchemaOnly100Tables(b *testing.B) {
	path := hundredTables(b)
	for b.Loop() {
		m, err := master.Capture(context.Background(), path, master.Options{SchemaOnly: true})
		if err != nil || len(m.Tables) != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnchanged(b *testing.B) {
	path := hundredTables(b)
	m, err := master.Capture(context.Background(), path, master.Options{})
	if err != nil {
		b.Fatal(err)
	}
	metaPath := path + ".meta"
	if err := master.WriteFile(metaPath, m); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if same, err := master.Unchanged(path, metaPath, master.Options{}); !same || err != nil {
			b.Fatal(same, err)
		}
	}
}

// BenchmarkCaptureFull captures page lists and leaf CRCs; MB/s is of the
// database file. bench/metabackup runs the same on a 1 GB database.
func BenchmarkCaptureFull(b *testing.B) {
	c := testdb.Config{PageSize: 4096, Encoding: 1, AutoVacuum: "none", Rows: 20000, Seed: 9}
	path, err := testdb.Build(context.Background(), b.TempDir(), c)
	if err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	var size int
	for b.Loop() {
		m, err := master.Capture(context.Background(), path, master.Options{})
		if err != nil {
			b.Fatal(err)
		}
		enc, _ := master.Encode(m)
		size = len(enc)
	}
	b.ReportMetric(100*float64(size)/float64(st.Size()), "meta-%")
}
