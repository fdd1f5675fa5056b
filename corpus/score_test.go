package corpus

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// makeDB builds a database from SQL statements.
func makeDB(t *testing.T, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// The hand-made original: t has an INTEGER PRIMARY KEY and a column added
// after rows 1 and 2 were stored; n has no rowid alias and two rows with
// the same values; w is WITHOUT ROWID with its key in non-declaration order.
var scoreOriginal = []string{
	`CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b)`,
	`INSERT INTO t VALUES (1, 'x', 1), (2, 'y', 2.5)`,
	`ALTER TABLE t ADD COLUMN c DEFAULT 7`,
	`INSERT INTO t VALUES (3, 'z', x'00', 8), (4, 'w', NULL, NULL)`,
	`CREATE TABLE n(a TEXT, b INTEGER)`,
	`INSERT INTO n(rowid, a, b) VALUES (1, 'p', 1), (2, 'q', 2), (3, 'p', 1)`,
	`CREATE TABLE w(k1 TEXT, k2 INTEGER, v TEXT, PRIMARY KEY(k2, k1)) WITHOUT ROWID`,
	`INSERT INTO w VALUES ('a', 1, 'v1'), ('b', 2, 'v2')`,
}

// The repaired tables, created plainly (no ALTER: a repair writes the
// final CREATE text).
const (
	createT = `CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b, c DEFAULT 7)`
	createN = `CREATE TABLE n(a TEXT, b INTEGER)`
	createW = `CREATE TABLE w(k1 TEXT, k2 INTEGER, v TEXT, PRIMARY KEY(k2, k1)) WITHOUT ROWID`
)

func TestScoreHandMadeCases(t *testing.T) {
	orig := makeDB(t, scoreOriginal...)
	truth, err := RecordTruth(context.Background(), orig)
	if err != nil {
		t.Fatal(err)
	}
	// ts builds a TableScore: original, exact, anywhere, repaired, altered,
	// invented, duplicates.
	ts := func(name string, n ...int) TableScore {
		return TableScore{Table: name, Original: n[0], Exact: n[1], Anywhere: n[2], Repaired: n[3], Altered: n[4], Invented: n[5], Duplicates: n[6]}
	}
	for _, tc := range []struct {
		name     string
		repaired []string
		want     []TableScore
		extra    []ExtraTable
	}{
		{
			name:     "identical copy",
			repaired: scoreOriginal,
			want:     []TableScore{ts("t", 4, 4, 4, 4, 0, 0, 0), ts("n", 3, 3, 3, 3, 0, 0, 0), ts("w", 2, 2, 2, 2, 0, 0, 0)},
		},
		{
			// Integer 1 stored as real 1.0 is a different value; the
			// added column's default must be there in the right table.
			name: "one column changed, type only",
			repaired: []string{createT, createN, createW,
				`INSERT INTO t VALUES (1, 'x', 1.0, 7), (2, 'y', 2.5, 7), (3, 'z', x'00', 8), (4, 'w', NULL, NULL)`,
				`INSERT INTO n(rowid, a, b) VALUES (1, 'p', 1), (2, x'71', 2), (3, 'p', 1)`, // blob 'q', not text
				`INSERT INTO w VALUES ('a', 1, 'v1'), ('b', 2, 'v3')`},
			want: []TableScore{ts("t", 4, 3, 3, 4, 1, 0, 0), ts("n", 3, 2, 2, 3, 1, 0, 0), ts("w", 2, 1, 1, 2, 1, 0, 0)},
		},
		{
			// Row 2 of t sits in another table: found anywhere, not
			// exact. Row 99 is invented; w is missing altogether.
			name: "wrong table, invented row, missing table",
			repaired: []string{createT, createN,
				`CREATE TABLE other(id INTEGER PRIMARY KEY, a, b, c)`,
				`INSERT INTO t VALUES (1, 'x', 1, 7), (3, 'z', x'00', 8), (4, 'w', NULL, NULL), (99, 'x', 1, 7)`,
				`INSERT INTO other VALUES (2, 'y', 2.5, 7)`,
				`INSERT INTO n(rowid, a, b) VALUES (1, 'p', 1), (2, 'q', 2), (3, 'p', 1)`},
			want:  []TableScore{ts("t", 4, 3, 4, 4, 0, 1, 0), ts("n", 3, 3, 3, 3, 0, 0, 0), {Table: "w", Original: 2, Missing: true}},
			extra: []ExtraTable{{Table: "other", Rows: 1, Matched: 1}},
		},
		{
			// lost_and_found: c0.. are data, the rest provenance. Row 4
			// appears twice and counts once; row 3 has its rowid alias
			// NULL with the rowid in "id"; row 1 lacks the added column
			// (its record never stored it); n's row 'p',1 under a new
			// rowid serves one of the two original 'p',1 rows, not both.
			name: "lost_and_found and duplicates",
			repaired: []string{createT, createN, createW,
				`INSERT INTO t VALUES (2, 'y', 2.5, 7)`,
				`CREATE TABLE lost_and_found_1(pgno, cell, id, c0, c1, c2, c3)`,
				`INSERT INTO lost_and_found_1 VALUES (5, 0, 4, 4, 'w', NULL, NULL), (6, 0, 4, 4, 'w', NULL, NULL), (5, 1, 3, NULL, 'z', x'00', 8), (5, 2, 1, 1, 'x', 1, NULL)`,
				`INSERT INTO n(rowid, a, b) VALUES (2, 'q', 2), (5, 'p', 1)`,
				`INSERT INTO w VALUES ('a', 1, 'v1'), ('b', 2, 'v2'), ('b', 3, 'v2')`},
			want:  []TableScore{ts("t", 4, 1, 4, 1, 0, 0, 0), ts("n", 3, 1, 2, 2, 0, 1, 0), ts("w", 2, 2, 2, 3, 0, 1, 0)},
			extra: []ExtraTable{{Table: "lost_and_found_1", Rows: 4, Matched: 3}},
		},
		{
			// A repaired table without a primary key can hold the same
			// row twice: the second copy is a duplicate, not a match.
			name: "duplicate in the right table",
			repaired: []string{`CREATE TABLE t(id INTEGER, a TEXT, b, c)`, createN, createW,
				`INSERT INTO t VALUES (1, 'x', 1, 7), (1, 'x', 1, 7), (2, 'y', 2.5, 7), (3, 'z', x'00', 8), (4, 'w', NULL, NULL)`},
			want: []TableScore{ts("t", 4, 4, 4, 5, 0, 0, 1), ts("n", 3, 0, 0, 0, 0, 0, 0), ts("w", 2, 0, 0, 0, 0, 0, 0)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Score(context.Background(), truth, makeDB(t, tc.repaired...), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, sc.Tables); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.extra, sc.Extra); diff != "" {
				t.Errorf("extra tables (-want +got):\n%s", diff)
			}
			var total TableScore
			for _, s := range tc.want {
				total.add(s)
			}
			total.Table = "total"
			if diff := cmp.Diff(total, sc.Total); diff != "" {
				t.Errorf("total (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreCeiling(t *testing.T) {
	orig := makeDB(t, scoreOriginal...)
	truth, err := RecordTruth(context.Background(), orig)
	if err != nil {
		t.Fatal(err)
	}
	row2 := truth.Tables[0].Rows[1].Extents[0]
	// Damage touching the last byte of t's row 2 cell, and another byte
	// of the same page outside every cell.
	d := &Damage{Pages: []PageDamage{{Pgno: row2.Pgno, Ranges: []Range{{Offset: int64(row2.Offset + row2.Size - 1), Length: 1}}}}}
	sc, err := Score(context.Background(), truth, orig, d)
	if err != nil {
		t.Fatal(err)
	}
	got := [][2]int{}
	for _, s := range sc.Tables {
		got = append(got, [2]int{s.Ceiling, s.CeilingPages})
	}
	// Every table fits on one page: t's page is damaged, so the
	// page-level ceiling loses all of t, the byte-level one only row 2.
	if diff := cmp.Diff([][2]int{{3, 0}, {3, 3}, {2, 2}}, got); diff != "" {
		t.Errorf("ceilings [bytes, pages] (-want +got):\n%s", diff)
	}
	d.Pages[0].Ranges[0].Offset = 0 // the page header, no cell
	sc, _ = Score(context.Background(), truth, orig, d)
	if sc.Tables[0].Ceiling != 4 || sc.Tables[0].CeilingPages != 0 || !sc.HasCeiling {
		t.Errorf("damage outside every cell: ceiling %d/%d, want 4/0", sc.Tables[0].Ceiling, sc.Tables[0].CeilingPages)
	}
}

func TestScoreRepairedNotADatabase(t *testing.T) {
	truth, err := RecordTruth(context.Background(), makeDB(t, scoreOriginal...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Score(context.Background(), truth, filepath.Join(t.TempDir(), "missing.db"), nil); err == nil {
		t.Errorf("scoring a missing file succeeded")
	}
}
