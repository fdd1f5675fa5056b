package recover

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"modernc.org/sqlite"
)

// TestBatchRejectsOnlyTheRefusedRows queues rows into one multi-row batch
// where one row breaks a UNIQUE constraint: that row alone is handed to its
// reject, the others are written.
func TestBatchRejectsOnlyTheRefusedRows(t *testing.T) {
	ctx := context.Background()
	o, err := openOutput(ctx, &sqlite.Driver{}, filepath.Join(t.TempDir(), "out.db"), 4096, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	if err := o.create(ctx, `CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	var rejected []int64
	for i, name := range []string{"a", "b", "a", "c"} {
		id := int64(i + 1)
		reject := func() error { rejected = append(rejected, id); return nil }
		if err := o.insert(ctx, "u", []string{"id", "name"}, []any{id, name}, false, reject); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.commit(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{3}, rejected); diff != "" {
		t.Errorf("rejected rows (-want +got):\n%s", diff)
	}
	o.trusted.Store(true)
	rows, err := o.conn.QueryContext(ctx, `SELECT id FROM u ORDER BY id`)
	o.trusted.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if diff := cmp.Diff([]int64{1, 2, 4}, got); diff != "" {
		t.Errorf("rows written (-want +got):\n%s", diff)
	}
}

// TestRejectDuringFlushKeepsRowsApart reproduces a flush whose refused row
// is queued for another table while a row of a third table waits: each
// row must land in its own table.
func TestRejectDuringFlushKeepsRowsApart(t *testing.T) {
	ctx := context.Background()
	o, err := openOutput(ctx, &sqlite.Driver{}, filepath.Join(t.TempDir(), "out.db"), 4096, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	for _, q := range []string{`CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT UNIQUE)`, `CREATE TABLE v(a, b, c)`, `CREATE TABLE w(x)`} {
		if err := o.create(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	toV := func() error { return o.insert(ctx, "v", []string{"a", "b", "c"}, []any{1, 2, 3}, false, nil) }
	for i, name := range []string{"a", "a"} {
		if err := o.insert(ctx, "u", []string{"id", "name"}, []any{int64(i + 1), name}, false, toV); err != nil {
			t.Fatal(err)
		}
	}
	// A row of another shape flushes u's batch, whose refused row queues v's.
	if err := o.insert(ctx, "w", []string{"x"}, []any{"w row"}, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := o.commit(); err != nil {
		t.Fatal(err)
	}
	o.trusted.Store(true)
	defer o.trusted.Store(false)
	for table, want := range map[string]int{"u": 1, "v": 1, "w": 1} {
		var n int
		if err := o.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != want {
			t.Errorf("table %s holds %d rows (%v), want %d", table, n, err, want)
		}
	}
}
