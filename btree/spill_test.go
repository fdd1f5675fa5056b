package btree_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// TestSpillBoundariesWithSQLite stores blobs whose payload sizes put the
// spill rule's K exactly at X-1, X and X+1 (and P at X, X+1), for the table
// rule and the index rule, and checks every value read back equals what
// SQLite wrote. A record holding one blob of n bytes (58 <= n <= 8185) has
// a payload of n+3 bytes: header-size byte, 2-byte serial type, the blob.
func TestSpillBoundariesWithSQLite(t *testing.T) {
	for _, ps := range []int{512, 1024, 4096, 65536} {
		t.Run(fmt.Sprint(ps), func(t *testing.T) {
			u := ps
			var sizes []int
			for _, kind := range []btree.PageType{btree.TableLeaf, btree.IndexLeaf} {
				x, m := btree.MaxLocal(kind, u), btree.MinLocal(u)
				for d := -1; d <= 1; d++ {
					sizes = append(sizes, x+d, m+(x-m+d)+(u-4), m+(x-m+d)+2*(u-4))
				}
			}
			path := filepath.Join(t.TempDir(), "spill.db")
			db, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for _, q := range []string{
				fmt.Sprintf(`PRAGMA page_size=%d`, ps),
				`CREATE TABLE b(v BLOB)`, `CREATE INDEX b_v ON b(v)`,
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			var want [][]byte
			for i, p := range sizes {
				n := p - 3
				if n < 58 || n > 8185 {
					continue
				}
				v := bytes.Repeat([]byte{byte(i + 1)}, n)
				v[n-1] = 0xff // the last byte lives deepest in the chain
				want = append(want, v)
				if _, err := db.ExecContext(ctx, `INSERT INTO b(v) VALUES(?)`, v); err != nil {
					t.Fatal(err)
				}
			}
			var rootT, rootI uint32
			if err := db.QueryRow(`SELECT (SELECT rootpage FROM sqlite_master WHERE name='b'), (SELECT rootpage FROM sqlite_master WHERE name='b_v')`).Scan(&rootT, &rootI); err != nil {
				t.Fatal(err)
			}
			db.Close()

			f, err := pagefile.Open(path, pagefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r := btree.ReaderFor(f)
			if got := readBlobs(t, r, rootT, 0); !cmp.Equal(want, got) {
				t.Errorf("table values differ from what SQLite stored (sizes %v)", sizes)
			}
			wantSorted := append([][]byte(nil), want...)
			slices.SortFunc(wantSorted, bytes.Compare)
			if got := readBlobs(t, r, rootI, 0); !cmp.Equal(wantSorted, got) {
				t.Errorf("index values differ from what SQLite stored (sizes %v)", sizes)
			}
		})
	}
}

func readBlobs(t *testing.T, r *btree.Reader, root uint32, col int) [][]byte {
	t.Helper()
	var out [][]byte
	res, err := r.Walk(root, func(e *btree.Entry) error {
		vals, err := r.Record(e.Payload)
		if err != nil || e.PayloadErr != nil {
			t.Errorf("page %d cell %d: %v %v", e.Pgno, e.Cell, err, e.PayloadErr)
			return nil
		}
		b, _ := vals[col].([]byte)
		out = append(out, append([]byte(nil), b...))
		return nil
	})
	if err != nil || len(res.Errors) > 0 {
		t.Errorf("walk %d: %v %v", root, err, res.Errors)
	}
	return out
}
