package recover_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/recover"
)

// bulkGeometries are the layouts the bulk path is compared on: every page
// size from 512 to 65536, both UTF-16 byte orders, reserved bytes, and
// auto_vacuum databases (whose outputs keep a pointer map).
var bulkGeometries = []corpus.Spec{
	{PageSize: 512},
	{PageSize: 1024, Encoding: corpus.UTF16LE},
	{PageSize: 4096, Reserved: 12, Encoding: corpus.UTF16BE},
	{PageSize: 8192, Reserved: 32},
	{PageSize: 65536, Encoding: corpus.UTF16BE},
	{PageSize: 2048, AutoVacuum: "full"},
	{PageSize: 16384, Encoding: corpus.UTF16LE, Reserved: 8, AutoVacuum: "incremental"},
	{PageSize: 32768},
}

// repairBoth repairs in twice, through SQLite's INSERT and with the bulk
// builder, and returns both reports and outputs.
func repairBoth(t *testing.T, in string, opts recover.Options) (insert, bulk *recover.Report, insertOut, bulkOut string) {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	var err error
	opts.NoBulk = true
	opts.Output = filepath.Join(dir, "insert.db")
	if insert, err = recover.Repair(ctx, in, opts); err != nil {
		t.Fatalf("repair through INSERT: %v", err)
	}
	opts.NoBulk = false
	opts.Output = filepath.Join(dir, "bulk.db")
	if bulk, err = recover.Repair(ctx, in, opts); err != nil {
		t.Fatalf("repair with the builder: %v", err)
	}
	return insert, bulk, filepath.Join(dir, "insert.db"), filepath.Join(dir, "bulk.db")
}

// sameOutputs fails unless two repairs wrote the same database: every
// table's rows (rowids included, types included), lost_and_found tables
// and their rowids, AUTOINCREMENT counters, the schema's text, the header
// fields a repair restores; and the same report, but for the path.
func sameOutputs(t *testing.T, insert, bulk *recover.Report, insertOut, bulkOut string) {
	t.Helper()
	if bulk.Integrity != "ok" {
		t.Errorf("integrity_check of the bulk output: %s", bulk.Integrity)
	}
	for _, q := range []string{
		`SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name`,
		`SELECT name, seq FROM sqlite_sequence ORDER BY name`,
		`PRAGMA user_version`,
		`PRAGMA application_id`,
		`PRAGMA encoding`,
		`PRAGMA page_size`,
	} {
		if strings.Contains(q, "sqlite_sequence") && !hasTable(t, insertOut, "sqlite_sequence") {
			continue
		}
		sameQuery(t, insertOut, bulkOut, q)
	}
	for _, name := range tableNames(t, insertOut) {
		n := len(rows(t, insertOut, fmt.Sprintf(`SELECT name FROM pragma_table_info(%q)`, name)))
		order := make([]string, n)
		for i := range order {
			order[i] = fmt.Sprint(i + 1)
		}
		q := fmt.Sprintf(`SELECT * FROM %q ORDER BY %s`, name, strings.Join(order, ", "))
		if !withoutRowid(t, insertOut, name) {
			q = fmt.Sprintf(`SELECT rowid, * FROM %q ORDER BY rowid`, name)
		}
		sameQuery(t, insertOut, bulkOut, q)
	}
	ignorePath := cmpopts.IgnoreFields(recover.TableReport{}, "Path", "PathWhy")
	if diff := cmp.Diff(insert.Tables, bulk.Tables, ignorePath); diff != "" {
		t.Errorf("table reports (-insert +bulk):\n%s", diff)
	}
	if diff := cmp.Diff(insert.LostAndFound, bulk.LostAndFound, cmpopts.IgnoreFields(recover.LostAndFound{}, "Path")); diff != "" {
		t.Errorf("lost_and_found reports (-insert +bulk):\n%s", diff)
	}
	if diff := cmp.Diff(insert.Totals, bulk.Totals); diff != "" {
		t.Errorf("totals (-insert +bulk):\n%s", diff)
	}
	if diff := cmp.Diff(insert.Reasons, bulk.Reasons); diff != "" {
		t.Errorf("reasons (-insert +bulk):\n%s", diff)
	}
	if insert.Status != bulk.Status || insert.Integrity != bulk.Integrity {
		t.Errorf("status %s, integrity %s through INSERT; %s, %s with the builder", insert.Status, insert.Integrity, bulk.Status, bulk.Integrity)
	}
}

// sameQuery fails unless q returns the same rows on both outputs.
func sameQuery(t *testing.T, insertOut, bulkOut, q string) {
	t.Helper()
	if diff := cmp.Diff(rows(t, insertOut, q), rows(t, bulkOut, q)); diff != "" {
		t.Errorf("%s (-insert +bulk):\n%s", q, diff)
	}
}

func tableNames(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, r := range rows(t, path, `SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name`) {
		out = append(out, strings.TrimPrefix(r[0], "string:"))
	}
	return out
}

func hasTable(t *testing.T, path, name string) bool {
	t.Helper()
	return len(rows(t, path, `SELECT 1 FROM sqlite_master WHERE name = '`+name+`'`)) > 0
}

func withoutRowid(t *testing.T, path, name string) bool {
	t.Helper()
	r := rows(t, path, `SELECT sql FROM sqlite_master WHERE name = '`+strings.ReplaceAll(name, "'", "''")+`'`)
	return len(r) > 0 && strings.Contains(strings.ToUpper(r[0][0]), "WITHOUT ROWID")
}

// TestBulkMatchesInsert repairs every corruption kind of the corpus, on
// every geometry in turn, through SQLite's INSERT and with the builder,
// and requires the same database and the same report from both. The
// corpus holds an INTEGER PRIMARY KEY table, a hidden-rowid table, a
// WITHOUT ROWID table, AUTOINCREMENT, REAL columns storing integers,
// overflow chains of several pages, rows written before an ADD COLUMN
// with a DEFAULT (short records), deleted rows, indexes, a view and a
// trigger; the damage brings orphan pages, duplicates, WAL copies and
// lost_and_found tables. With -short, one case per geometry.
func TestBulkMatchesInsert(t *testing.T) {
	cases := corpus.Matrix(corpus.MatrixOptions{Seeds: 1})
	ctx := context.Background()
	bulkTables := 0
	for i, c := range cases {
		if testing.Short() && i%3 != 0 {
			continue
		}
		g := bulkGeometries[i%len(bulkGeometries)]
		c.Spec.PageSize, c.Spec.Encoding, c.Spec.Reserved, c.Spec.AutoVacuum = g.PageSize, g.Encoding, g.Reserved, g.AutoVacuum
		// Large pages need more rows for every kind to find its target
		// (an interior page, a leaf of each table).
		c.Spec.Bytes = corpus.SizeSmall * int64(max(1, g.PageSize/8192))
		if c.Corruption.Kind == corpus.FreelistLoop && c.Spec.AutoVacuum == "full" {
			c.Spec.AutoVacuum = "incremental"
		}
		t.Run(fmt.Sprintf("%s-ps%d", c.Name, g.PageSize), func(t *testing.T) {
			dir := t.TempDir()
			built, err := corpus.BuildMatrix(ctx, dir, []corpus.Case{c})
			if err != nil {
				t.Fatal(err)
			}
			insert, bulk, io, bo := repairBoth(t, built[0].Broken, recover.Options{})
			sameOutputs(t, insert, bulk, io, bo)
			for _, tr := range bulk.Tables {
				if tr.Path == recover.PathBulk {
					bulkTables++
				}
			}
			for _, l := range bulk.LostAndFound {
				if l.Path == recover.PathBulk {
					bulkTables++
				} else {
					t.Errorf("%s took the %q path", l.Table, l.Path)
				}
			}
		})
	}
	if bulkTables == 0 {
		t.Errorf("no table took the bulk path")
	}
}

// pathsOf maps each table to the path its rows took; a table on the
// INSERT path must say why.
func pathsOf(t *testing.T, rep *recover.Report) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tr := range rep.Tables {
		out[tr.Name] = tr.Path
		if tr.Path == recover.PathInsert && tr.PathWhy == "" {
			t.Errorf("table %s takes the INSERT path without a reason", tr.Name)
		}
	}
	return out
}

// TestBulkOddRows repairs a database whose schema was changed under its
// rows (writable_schema), so that rows hold what SQLite would convert or
// refuse on INSERT: a number in a TEXT column, text that reads as a number
// in numeric ones, integral reals, an integer too wide to stay one in a
// REAL column, NULL in a NOT NULL column, records shorter than the table
// whose missing columns have literal defaults, a NOT NULL column without
// one; and a WITHOUT ROWID table whose key changes under affinity. Both
// paths must give the same database and report, in every auto_vacuum
// mode.
func TestBulkOddRows(t *testing.T) {
	for _, av := range []string{"NONE", "FULL", "INCREMENTAL"} {
		t.Run(av, func(t *testing.T) { testBulkOddRows(t, av) })
	}
}

// testBulkOddRows is TestBulkOddRows in one auto_vacuum mode: with a
// pointer map, the pages of the trees SQLite wrote for the odd rows are
// freed, and their entries must say so.
func testBulkOddRows(t *testing.T, autoVacuum string) {
	dir := t.TempDir()
	in := newDB(t, dir, "odd.db",
		`PRAGMA auto_vacuum = `+autoVacuum,
		`CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, c, d)`,
		`CREATE INDEX t_b ON t(b, d)`,
		`CREATE TABLE short(id INTEGER PRIMARY KEY AUTOINCREMENT, a)`,
		`CREATE INDEX short_a ON short(a)`,
		`CREATE TABLE strictish(x, y)`,
		`CREATE TABLE w(k, v, PRIMARY KEY(k)) WITHOUT ROWID`,
		`CREATE INDEX w_v ON w(v)`,
		`INSERT INTO t(a, b, c, d) VALUES
			('abc', 'x', 1.5, 'y'), (NULL, 'x', 2, 'z'), (42, '12', 1 << 60, '1e3'), ('é', 3.0, 7, 7.0),
			('ok', 'Inf', 2.5, ' 12 '), ('more', x'00ff', -3, 'nine'), ('n', 0.1, 0, 1)`,
		`INSERT INTO short(id, a) VALUES (1, 'a'), (2, NULL), (-5, 'neg'), (9, 'b')`,
		`INSERT INTO strictish VALUES (1, 2), (3, 4)`,
		`INSERT INTO w VALUES ('a', 1), ('b', 2), (5, 3), ('5x', 4), ('c', 5)`,
		`PRAGMA writable_schema = ON`,
		`UPDATE sqlite_master SET sql = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER, c REAL, d NUMERIC)' WHERE name = 't'`,
		`UPDATE sqlite_master SET sql = 'CREATE TABLE short(id INTEGER PRIMARY KEY AUTOINCREMENT, a, e TEXT DEFAULT ''x''''y'', f NOT NULL DEFAULT -3, g BLOB DEFAULT X''0aFF'', h INTEGER DEFAULT TRUE)' WHERE name = 'short'`,
		`UPDATE sqlite_master SET sql = 'CREATE INDEX short_a ON short(a, f, e)' WHERE name = 'short_a'`,
		`UPDATE sqlite_master SET sql = 'CREATE TABLE strictish(x, y, z NOT NULL)' WHERE name = 'strictish'`,
		`UPDATE sqlite_master SET sql = 'CREATE TABLE w(k TEXT, v, PRIMARY KEY(k)) WITHOUT ROWID' WHERE name = 'w'`,
	)
	insert, bulk, io, bo := repairBoth(t, in, recover.Options{})
	sameOutputs(t, insert, bulk, io, bo)
	want := map[string]string{"t": recover.PathBulk, "short": recover.PathBulk, "strictish": recover.PathBulk, "w": recover.PathInsert}
	if diff := cmp.Diff(want, pathsOf(t, bulk)); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	mode := map[string]string{"NONE": "int64:0", "FULL": "int64:1", "INCREMENTAL": "int64:2"}[autoVacuum]
	if got := rows(t, bo, `PRAGMA auto_vacuum`); got[0][0] != mode {
		t.Errorf("auto_vacuum of the output %v, want %s", got, mode)
	}
	// The odd rows were really odd: SQLite changed or refused them.
	if got := rows(t, bo, `SELECT typeof(a) FROM t WHERE rowid = 3`); len(got) != 1 || got[0][0] != "string:text" {
		t.Errorf("row 3 of t: %v, want a converted to text", got)
	}
	if tableReport(t, bulk, "t").Rejected != 1 || tableReport(t, bulk, "strictish").Rejected != 2 {
		t.Errorf("rejected: t %d, strictish %d; want 1 and 2", tableReport(t, bulk, "t").Rejected, tableReport(t, bulk, "strictish").Rejected)
	}
}

// TestBulkPaths checks which tables take which path and why, and that
// indexes the builder cannot build (partial, on an expression, a UNIQUE
// index over duplicates) are still created, or still refused, by SQLite
// as on the INSERT path.
func TestBulkPaths(t *testing.T) {
	dir := t.TempDir()
	in := newDB(t, dir, "paths.db",
		`CREATE TABLE plain(id INTEGER PRIMARY KEY, name TEXT, n INTEGER)`,
		`CREATE INDEX plain_expr ON plain(lower(name))`,
		`CREATE INDEX plain_partial ON plain(n) WHERE n > 2`,
		`CREATE INDEX plain_nocase ON plain(name COLLATE NOCASE DESC, n)`,
		`CREATE INDEX plain_dup ON plain(n)`,
		`CREATE TABLE uniq(id INTEGER PRIMARY KEY, email TEXT UNIQUE)`,
		`CREATE TABLE strict_t(id INTEGER PRIMARY KEY, v INTEGER) STRICT`,
		`CREATE TABLE gen(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED)`,
		`CREATE TABLE wr_nocase(k TEXT COLLATE NOCASE PRIMARY KEY, v) WITHOUT ROWID`,
		`CREATE TABLE wr(k1, k2, v, PRIMARY KEY(k2 DESC, k1)) WITHOUT ROWID`,
		`CREATE INDEX wr_v ON wr(v COLLATE NOCASE, k1)`,
		`INSERT INTO plain(name, n) VALUES ('A', 1), ('b', 2), ('B', 3), ('c', 3)`,
		`INSERT INTO uniq(email) VALUES ('a@x'), ('b@x')`,
		`INSERT INTO strict_t(v) VALUES (1), (2)`,
		`INSERT INTO gen(a) VALUES (1), (2)`,
		`INSERT INTO wr_nocase VALUES ('a', 1), ('B', 2)`,
		`INSERT INTO wr VALUES (1, 'x', 'v1'), (2, 'x', 'V1'), (1, 'y', 'v3'), (3, 'y', NULL)`,
		`PRAGMA writable_schema = ON`,
		`UPDATE sqlite_master SET sql = 'CREATE UNIQUE INDEX plain_dup ON plain(n)' WHERE name = 'plain_dup'`,
	)
	insert, bulk, io, bo := repairBoth(t, in, recover.Options{})
	sameOutputs(t, insert, bulk, io, bo)
	want := map[string]string{"plain": recover.PathBulk, "uniq": recover.PathInsert, "strict_t": recover.PathInsert,
		"gen": recover.PathInsert, "wr_nocase": recover.PathInsert, "wr": recover.PathBulk}
	if diff := cmp.Diff(want, pathsOf(t, bulk)); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(insert.NotCreated, bulk.NotCreated); diff != "" || len(bulk.NotCreated) != 1 {
		t.Errorf("indexes not created (-insert +bulk):\n%s\nbulk: %v", diff, bulk.NotCreated)
	}
}

// TestBulkWithStaleMeta repairs with a metadata backup older than an ADD
// COLUMN, page 1 destroyed: the table grows columns while its rows come,
// and both paths must agree.
func TestBulkWithStaleMeta(t *testing.T) {
	dir := t.TempDir()
	db, oldMeta, _ := migrated(t, dir)
	broken := zeroPages(t, db, filepath.Join(dir, "broken.db"), 1)
	insert, bulk, io, bo := repairBoth(t, broken, recover.Options{MetaPaths: []string{oldMeta}})
	sameOutputs(t, insert, bulk, io, bo)
	if p := tableReport(t, bulk, "messages").Path; p != recover.PathBulk {
		t.Errorf("messages took the %s path", p)
	}
}

// TestBulkOutputPathWithURICharacters repairs into a directory whose name
// holds what a file: URI treats specially: SQLite and the builder must
// write the same file.
func TestBulkOutputPathWithURICharacters(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "odd #1 ?x=2 %41")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	orig := newDB(t, base, "in.db", `CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`, `CREATE INDEX t_v ON t(v)`,
		`INSERT INTO t(v) VALUES ('a'), ('b'), ('c')`)
	in := copyFile(t, orig, filepath.Join(dir, "in.db"))
	rep, err := recover.Repair(context.Background(), in, recover.Options{Output: filepath.Join(dir, "out.db")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Integrity != "ok" || tableReport(t, rep, "t").Path != recover.PathBulk {
		t.Errorf("integrity %s, path %s", rep.Integrity, tableReport(t, rep, "t").Path)
	}
	out := copyFile(t, filepath.Join(dir, "out.db"), filepath.Join(base, "out.db"))
	sameQuery(t, orig, out, `SELECT * FROM t ORDER BY id`)
}
