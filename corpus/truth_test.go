package corpus

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/sqlident"
)

func TestRecordTruth(t *testing.T) {
	for _, spec := range []Spec{plainSpec, walSpec, {Seed: 4, PageSize: 1024, Encoding: UTF16BE, Reserved: 16}} {
		t.Run(spec.Name(), func(t *testing.T) {
			db := sharedDB(t, spec)
			truth, err := RecordTruth(context.Background(), db.Path)
			if err != nil {
				t.Fatal(err)
			}
			type shape struct {
				Name         string
				Columns      []string
				WithoutRowid bool
				IPK          int
				PK           []int
			}
			var got []shape
			for _, tt := range truth.Tables {
				got = append(got, shape{tt.Name, tt.Columns, tt.WithoutRowid, tt.IPK, tt.PK})
			}
			want := []shape{
				{"contacts", []string{"id", "name", "phone", "email", "avatar", "blocked"}, false, 0, nil},
				{"conversations", []string{"id", "title", "kind", "created_at", "last_message_at", "muted"}, false, 0, nil},
				{"messages", []string{"id", "conversation_id", "sender_id", "sent_at", "body", "payload", "status"}, false, 0, nil},
				{"attachments", []string{"message_id", "mime", "file_name", "size", "duration", "data"}, false, -1, nil},
				{"reactions", []string{"message_id", "contact_id", "emoji", "reacted_at"}, true, -1, []int{0, 1}},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
			f := openFile(t, db.Path)
			r := btree.ReaderFor(f)
			for _, tt := range truth.Tables {
				q := "SELECT count(*) FROM " + sqlident.Quote(tt.Name)
				if n := queryInt(t, db.Path, q); int64(len(tt.Rows)) != n {
					t.Errorf("%s: %d rows in the truth, SQLite counts %d", tt.Name, len(tt.Rows), n)
				}
				for i, row := range tt.Rows {
					checkRowPlace(t, r, tt, row)
					if i > 0 && !tt.WithoutRowid && row.Rowid <= tt.Rows[i-1].Rowid {
						t.Fatalf("%s: rows not in rowid order at %d", tt.Name, i)
					}
				}
			}
		})
	}
}

// checkRowPlace decodes the record found at the row's recorded extents
// and compares it with the row's values.
func checkRowPlace(t *testing.T, r *btree.Reader, tt *TableTruth, row Row) {
	t.Helper()
	if len(row.Extents) == 0 || row.Stored == 0 {
		t.Fatalf("%s row %v: not located in the b-tree", tt.Name, row.Values[:1])
	}
	e := row.Extents[0]
	p, err := r.Page(e.Pgno)
	if err != nil {
		t.Fatal(err)
	}
	var cell *btree.Cell
	for i := range p.CellCount {
		if c, err := p.Cell(i); err == nil && c.Offset == e.Offset {
			cell = c
		}
	}
	if cell == nil || cell.Size != e.Size || (len(row.Extents) > 1) != (cell.Overflow != 0) {
		t.Fatalf("%s: no cell of %d bytes at offset %d of page %d (or overflow mismatch)", tt.Name, e.Size, e.Offset, e.Pgno)
	}
	payload, chain, err := r.Payload(cell)
	if err != nil {
		t.Fatal(err)
	}
	for i, pg := range chain {
		if row.Extents[i+1].Pgno != pg {
			t.Fatalf("%s: overflow extents %v, chain %v", tt.Name, row.Extents[1:], chain)
		}
	}
	vals, err := r.Record(payload)
	if err != nil {
		t.Fatal(err)
	}
	if !tt.WithoutRowid && cell.Rowid != row.Rowid {
		t.Fatalf("%s: cell rowid %d, row %d", tt.Name, cell.Rowid, row.Rowid)
	}
	if len(vals) != row.Stored {
		t.Fatalf("%s: record has %d fields, Stored says %d", tt.Name, len(vals), row.Stored)
	}
	// Compare what the record stores with the row: the rowid alias is
	// stored as NULL, integral REAL values as integers, and WITHOUT ROWID
	// records put the key first.
	want := append([]any(nil), row.Values[:row.Stored]...)
	if tt.IPK >= 0 {
		want[tt.IPK] = nil
	}
	if tt.WithoutRowid {
		want = append(tt.pkValues(&row), row.Values[2:]...)
	}
	for i := range vals {
		if f, ok := want[i].(float64); ok {
			if n, ok := vals[i].(int64); ok && float64(n) == f {
				vals[i] = f
			}
		}
	}
	if diff := cmp.Diff(want, vals); diff != "" {
		t.Fatalf("%s row %d: record at its extents (-row +record):\n%s", tt.Name, row.Rowid, diff)
	}
}
