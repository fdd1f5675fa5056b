package dbpage_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/dbpage"
	"github.com/dbrescue/dbrescue/pagefile"
)

// TestSnapshotUnderConcurrentWriter reads a WAL database's table with the
// project's reader over sqlite_dbpage inside a read transaction, while a
// second connection commits more rows; the reader must see exactly the
// rows of its snapshot.
func TestSnapshotUnderConcurrentWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "live.db")
	writer, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	mustExec(t, writer, `CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`)
	insertRows(t, writer, 1, 500)

	reader, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	conn, err := reader.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	var root uint32
	if err := conn.QueryRowContext(ctx, `SELECT rootpage FROM sqlite_master WHERE name = 't'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	want := selectRows(t, conn)

	insertRows(t, writer, 501, 2000) // commits while the snapshot is held

	src, err := dbpage.New(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	r := btree.NewReader(src, src.PageSize(), pagefile.EncodingUTF8)
	var got [][]any
	res, err := r.Walk(root, func(e *btree.Entry) error {
		vals, err := r.Record(e.Payload)
		if err != nil {
			return err
		}
		vals[0] = e.Rowid
		got = append(got, vals)
		return nil
	})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("walk: %v %v", err, res.Errors)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows through sqlite_dbpage differ from the snapshot (-want +got):\n%s", diff)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := writer.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2000 || len(got) != 500 {
		t.Fatalf("writer sees %d rows (%v), snapshot read %d; want 2000 and 500", n, err, len(got))
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func insertRows(t *testing.T, db *sql.DB, from, to int) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i <= to; i++ {
		if _, err := tx.Exec(`INSERT INTO t(id, v) VALUES(?, ?)`, i, fmt.Sprintf("row %d %0100d", i, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func selectRows(t *testing.T, conn *sql.Conn) [][]any {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), `SELECT id, v FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, []any{id, v})
	}
	return out
}
