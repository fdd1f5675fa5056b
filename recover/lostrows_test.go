package recover_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/recover"
)

// With page 1 zeroed every row of the file goes to lost_and_found, laid
// out by the entry worker in batches (queueLost): a database whose rows
// take many batches (and some overflow chains) must come out the same
// through SQLite's INSERT and through the builder, with every row of the
// table, values and rowid, in a lost_and_found table.
func TestLostRowsInManyBatches(t *testing.T) {
	dir := t.TempDir()
	path := newDB(t, dir, "many.db",
		`CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB)`,
		`CREATE INDEX t_b ON t(b)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 12000)
		 INSERT INTO t SELECT i*7, printf('row %d %s', i, hex(randomblob(12))), i/3.0,
		   CASE WHEN i % 500 = 0 THEN randomblob(3000) ELSE randomblob(i % 40) END FROM n`)
	want := rows(t, path, `SELECT a, b, c, d FROM t ORDER BY a`)
	broken := zeroPages(t, path, filepath.Join(dir, "broken.db"), 1)

	insert, bulk, insertOut, bulkOut := repairBoth(t, broken, recover.Options{})
	sameOutputs(t, insert, bulk, insertOut, bulkOut)

	// The table's rows: in the lost_and_found table whose rows have ids
	// (the index's entries have none), the INTEGER PRIMARY KEY as NULL.
	var got [][]string
	for _, name := range tableNames(t, bulkOut) {
		if !strings.HasPrefix(name, "lost_and_found") ||
			len(rows(t, bulkOut, `SELECT 1 FROM pragma_table_info('`+name+`') WHERE name = 'c3'`)) == 0 {
			continue // not the table's rows: the index's entries have two fields
		}
		got = append(got, rows(t, bulkOut, `SELECT id, c1, c2, c3 FROM "`+name+`" WHERE id IS NOT NULL ORDER BY id`)...)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows of t in lost_and_found (-written +repaired):\n%s", d)
	}
	if len(want) != 12000 {
		t.Fatalf("%d rows written", len(want))
	}
}
