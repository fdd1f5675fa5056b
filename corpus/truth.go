package corpus

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/sqlident"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Truth is every row of a database's application tables (sqlite_* tables
// left out), as SQLite returns them, with where each row is stored. It is
// what Score measures a repair against.
type Truth struct {
	Tables []*TableTruth
}

// TableTruth is one table of a Truth.
type TableTruth struct {
	Name string
	SQL  string
	// Columns are the column names in declaration order.
	Columns      []string
	WithoutRowid bool
	// IPK is the index of the INTEGER PRIMARY KEY column (an alias of the
	// rowid, stored as NULL in the record), or -1.
	IPK int
	// PK lists, for a WITHOUT ROWID table, the PRIMARY KEY columns in key
	// order.
	PK []int
	// Rows are in key order: rowid, or PRIMARY KEY for WITHOUT ROWID.
	Rows []Row
}

// Row is one row of a table.
type Row struct {
	// Rowid is the row's rowid; 0 in a WITHOUT ROWID table.
	Rowid int64
	// Values are the columns in declaration order, as SQLite returns them
	// (nil, int64, float64, string, []byte). The INTEGER PRIMARY KEY
	// column holds the rowid; a column added by ALTER TABLE holds its
	// default for rows stored before it existed.
	Values []any
	// Stored is how many fields the row's record holds: fewer than
	// len(Values) for rows written before an ADD COLUMN; 0 when the row
	// was not found in the b-tree.
	Stored int
	// Extents are the bytes of the original file the row occupies, as the
	// b-tree reader found them: its cell, then each overflow page's used
	// part. Nil when the row was not found.
	Extents []Extent
}

// key is the row's key as Score matches it: the rowid, or the PRIMARY KEY
// values of a WITHOUT ROWID table.
func (t *TableTruth) key(r *Row) string {
	if !t.WithoutRowid {
		return valuesKey([]any{r.Rowid})
	}
	return valuesKey(t.pkValues(r))
}

// RecordTruth reads every application table of the database at path (with
// its WAL) through SQLite, and locates every row with the b-tree reader.
// SQLite reads a scratch copy: opening a WAL database can write to it, and
// the original is never touched.
func RecordTruth(ctx context.Context, path string) (*Truth, error) {
	return recordTruth(ctx, path, nil)
}

func recordTruth(ctx context.Context, path string, ci *pagefile.Cipher) (*Truth, error) {
	if ci != nil {
		return encryptedTruth(ctx, path, ci)
	}
	dir, err := os.MkdirTemp("", "dbrescue-truth-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, "truth.db")
	if err := fsutil.CopyFile(path, cp); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		if err := fsutil.CopyFile(path+"-wal", cp+"-wal"); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", "file:"+cp)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return locateTruth(ctx, db, path, nil)
}

// locateTruth reads the tables through db and locates their rows in the
// file at path, decrypted with ci when it is set.
func locateTruth(ctx context.Context, db *sql.DB, path string, ci *pagefile.Cipher) (*Truth, error) {
	tables, err := readTables(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("corpus: reading the truth from %s: %w", path, err)
	}
	f, err := pagefile.Open(path, pagefile.Options{Cipher: ci})
	if err != nil {
		return nil, fmt.Errorf("corpus: locating rows in %s: %w", path, err)
	}
	defer f.Close()
	locate(tables, readLayout(f, true))
	return &Truth{Tables: tables}, nil
}

// tableEntry is an application table as sqlite_master and
// pragma_table_list describe it.
type tableEntry struct {
	name, sql    string
	withoutRowid bool
}

// listTables lists the application tables (not sqlite_*) in sqlite_master
// order. A virtual table's shadow tables are not listed: what they hold
// is the virtual table's (read through it) or an index of it.
func listTables(ctx context.Context, db *sql.DB) ([]tableEntry, error) {
	var out []tableEntry
	err := scanRows(ctx, db, `SELECT m.name, coalesce(m.sql, ''), coalesce(l.wr, 0) FROM sqlite_master m
		LEFT JOIN pragma_table_list l ON l.name = m.name AND l.schema = 'main'
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND coalesce(l.type, '') != 'shadow' ORDER BY m.rowid`, 3, func(v []any) error {
		name, _ := v[0].(string)
		sql, _ := v[1].(string)
		wr, _ := v[2].(int64)
		out = append(out, tableEntry{name: name, sql: sql, withoutRowid: wr != 0})
		return nil
	})
	return out, err
}

// readTables reads the schema and rows of every application table.
func readTables(ctx context.Context, db *sql.DB) ([]*TableTruth, error) {
	entries, err := listTables(ctx, db)
	if err != nil {
		return nil, err
	}
	var tables []*TableTruth
	for _, e := range entries {
		t := &TableTruth{Name: e.name, SQL: e.sql, WithoutRowid: e.withoutRowid, IPK: -1}
		cols, err := tableColumns(ctx, db, t.Name)
		if err != nil {
			return nil, err
		}
		t.setColumns(cols)
		if t.Rows, err = readRows(ctx, db, t.Name, t.Columns, !t.WithoutRowid, t.orderBy()); err != nil {
			return nil, fmt.Errorf("table %s: %w", t.Name, err)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// column is one row of PRAGMA table_info.
type column struct {
	name, typ string
	pk        int
}

func tableColumns(ctx context.Context, db *sql.DB, table string) ([]column, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ, &c.pk); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// setColumns records names, the PRIMARY KEY order and the rowid alias.
// A rowid table's single PRIMARY KEY column declared exactly INTEGER is
// the alias (SQLite's rule, the DESC quirk aside).
func (t *TableTruth) setColumns(cols []column) {
	nPK := 0
	for _, c := range cols {
		if c.pk > 0 {
			nPK++
		}
	}
	t.PK = make([]int, nPK)
	for i, c := range cols {
		t.Columns = append(t.Columns, c.name)
		if c.pk > 0 {
			t.PK[c.pk-1] = i
			if !t.WithoutRowid && nPK == 1 && strings.EqualFold(c.typ, "INTEGER") {
				t.IPK = i
			}
		}
	}
	if !t.WithoutRowid {
		t.PK = nil
	}
}

func (t *TableTruth) orderBy() string {
	if !t.WithoutRowid {
		return "rowid"
	}
	keys := make([]string, len(t.PK))
	for i, c := range t.PK {
		keys[i] = sqlident.Quote(t.Columns[c])
	}
	return strings.Join(keys, ", ")
}

// readRows reads a table's rows. Each column is read as +"name", an
// expression: the driver then has no declared type to go by and returns
// every value as SQLite stores it (it would turn text in a DATETIME column
// into a time.Time). With withRowid the first value read is the rowid.
func readRows(ctx context.Context, db *sql.DB, table string, cols []string, withRowid bool, orderBy string) ([]Row, error) {
	exprs := make([]string, 0, len(cols)+1)
	if withRowid {
		exprs = append(exprs, "rowid")
	}
	for _, c := range cols {
		exprs = append(exprs, "+"+sqlident.Quote(c))
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(exprs, ", "), sqlident.Quote(table))
	if orderBy != "" {
		q += " ORDER BY " + orderBy
	}
	var out []Row
	err := scanRows(ctx, db, q, len(exprs), func(vals []any) error {
		r := Row{}
		if withRowid {
			r.Rowid, _ = vals[0].(int64)
			vals = vals[1:]
		}
		r.Values = vals
		out = append(out, r)
		return nil
	})
	return out, err
}

// scanRows runs q and calls fn with each row's values (a fresh slice each
// time). It stops at the first error, which it returns: rows already passed
// to fn stay passed, so a caller reading a damaged table keeps what SQLite
// returned before the damage.
func scanRows(ctx context.Context, db *sql.DB, q string, n int, fn func([]any) error) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// locate attaches to every row its stored field count and extents, from
// the b-tree walk of the same file.
func locate(tables []*TableTruth, lay *Layout) {
	for _, t := range tables {
		tr := lay.tree(t.Name)
		if tr == nil {
			// An FTS5 table keeps its rows in its content table.
			tr = lay.tree(t.Name + "_content")
		}
		if tr == nil {
			continue
		}
		byKey := make(map[string]*Entry, len(tr.Entries))
		for i := range tr.Entries {
			e := &tr.Entries[i]
			if !t.WithoutRowid {
				byKey[valuesKey([]any{e.Rowid})] = e
			} else if len(e.Record) >= len(t.PK) {
				byKey[numericKey(e.Record[:len(t.PK)])] = e
			}
		}
		for i := range t.Rows {
			r := &t.Rows[i]
			k := t.key(r)
			if t.WithoutRowid {
				k = numericKey(t.pkValues(r))
			}
			if e := byKey[k]; e != nil {
				r.Stored, r.Extents = e.Fields, e.Extents
			}
		}
	}
}

func (t *TableTruth) pkValues(r *Row) []any {
	k := make([]any, len(t.PK))
	for i, c := range t.PK {
		k[i] = r.Values[c]
	}
	return k
}
