package recover

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBatchRejectsOnlyTheRefusedRows queues rows into one multi-row batch
// where one row breaks a UNIQUE constraint: that row alone is handed to its
// reject, the others are written.
func TestBatchRejectsOnlyTheRefusedRows(t *testing.T) {
	ctx := context.Background()
	o, err := openOutput(ctx, filepath.Join(t.TempDir(), "out.db"), 4096, 1, 0)
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
