package inspect_test

import (
	"context"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// sampleSpec is the demo's database: a small messenger database with
// deleted rows (a freelist), overflow chains, indexes and a WITHOUT ROWID
// table, built by SQLite.
var sampleSpec = corpus.Spec{Seed: 1, Deletes: true}

// sample builds the sample in a fresh directory and returns its path.
func sample(t *testing.T) string {
	t.Helper()
	db, err := corpus.Generate(context.Background(), t.TempDir(), sampleSpec)
	if err != nil {
		t.Fatal(err)
	}
	return db.Path
}

// open inspects the database at path.
func open(t *testing.T, path string) *inspect.Inspection {
	t.Helper()
	in, err := inspect.Open(context.Background(), path, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

// page decodes page pgno of in.
func page(t *testing.T, in *inspect.Inspection, pgno uint32) *inspect.PageReport {
	t.Helper()
	doc, err := in.Page(pgno)
	if err != nil {
		t.Fatal(err)
	}
	return &doc.Page
}

// sqliteInt runs a query returning one integer with SQLite itself, so
// tests compare inspect's reading with SQLite's.
var sqliteInt = testdb.QueryInt

// edit rewrites the bytes of the file at path from offset off.
func edit(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// blobHex is how a test expects a blob: its first bytes in hex.
type blobHex string

// plain turns a decoded value into what a test compares: nil, int64,
// float64, string or blobHex.
func plain(v inspect.Value) any {
	if v.Type == inspect.ValueBlob {
		return blobHex(v.Value.(string))
	}
	return v.Value
}

// shown is how a page document shows a value SQLite returned: a blob by
// its first bytes, a long text by its first whole characters.
func shown(v any) any {
	switch v := v.(type) {
	case []byte:
		return blobHex(hex.EncodeToString(v[:min(len(v), inspect.MaxBlobBytes)]))
	case string:
		return strings.ToValidUTF8(v[:min(len(v), inspect.MaxTextBytes)], "")
	}
	return v
}

// decodedRow is a table cell as a test compares it.
type decodedRow struct {
	Rowid  int64
	Values []any
}

func decodedRows(t *testing.T, cells []inspect.CellReport) []decodedRow {
	t.Helper()
	var rows []decodedRow
	for _, c := range cells {
		if c.Error != "" || c.RecordError != "" || c.Rowid == nil {
			t.Fatalf("cell %d did not decode cleanly: %+v", c.Index, c)
		}
		r := decodedRow{Rowid: *c.Rowid}
		for _, v := range c.Values {
			r.Values = append(r.Values, plain(v))
		}
		rows = append(rows, r)
	}
	return rows
}

// storedRow is how a table's row is stored: the INTEGER PRIMARY KEY as
// NULL, and only the fields the record holds (fewer than the columns for
// a row older than an ADD COLUMN).
func storedRow(tt *corpus.TableTruth, r corpus.Row) decodedRow {
	d := decodedRow{Rowid: r.Rowid}
	for i, v := range r.Values[:r.Stored] {
		if i == tt.IPK {
			v = nil
		}
		d.Values = append(d.Values, shown(v))
	}
	return d
}

// tree is the b-tree named name in a report, zero when there is none (its
// entries then compare as 0).
func tree(rep *inspect.Report, name string) inspect.BTreeReport {
	b, _ := rep.BTree(name)
	return b
}
