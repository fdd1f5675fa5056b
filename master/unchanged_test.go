package master_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/master"
)

// TestUnchanged checks the cheap skip in both journal modes, including the
// case a header comparison alone gets wrong: in WAL mode SQLite does not
// bump the change counter, so after a commit is checkpointed and the WAL
// removed, the changed database has a byte-identical header.
func TestUnchanged(t *testing.T) {
	for _, mode := range []string{"delete", "wal"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "app.db")
			runSQL(t, path, `PRAGMA journal_mode=`+mode, `CREATE TABLE t(a)`, `INSERT INTO t VALUES(1)`)
			metaPath := path + ".meta"
			if same, err := master.Unchanged(path, metaPath, master.Options{}); same || err != nil {
				t.Fatalf("no backup yet: unchanged=%v, %v", same, err)
			}
			m, err := master.Capture(ctx, path, master.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := master.WriteFile(metaPath, m); err != nil {
				t.Fatal(err)
			}
			if same, err := master.Unchanged(path, metaPath, master.Options{}); !same || err != nil {
				t.Fatalf("right after the capture: unchanged=%v, %v", same, err)
			}
			header := readHead(t, path)
			runSQL(t, path, `UPDATE t SET a = 2`)
			if mode == "wal" && !bytes.Equal(header, readHead(t, path)) {
				t.Fatalf("test premise: a checkpointed WAL-mode commit should leave the header as it was")
			}
			if same, err := master.Unchanged(path, metaPath, master.Options{}); same || err != nil {
				t.Fatalf("after an UPDATE: unchanged=%v, %v", same, err)
			}
		})
	}
}

func runSQL(t *testing.T, path string, queries ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func readHead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b[:100]
}
