package export

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// object is one row of sqlite_schema.
type object struct {
	Type, Name, TblName, SQL string
}

// table is a table to export: its schema row, the columns an INSERT
// names (ordinary ones) and the columns CSV and NDJSON show (ordinary and
// generated; a virtual table's hidden columns are left out).
type table struct {
	object
	virtual  bool
	insert   []string
	readable []string
}

// readSchema reads sqlite_schema in the order .dump uses (rowid order,
// sqlite_sequence last): tables, and every other object (indexes, views,
// triggers) to create after the rows.
func readSchema(ctx context.Context, db *sql.DB) (tables []*table, later []object, err error) {
	rows, err := db.QueryContext(ctx, `SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY tbl_name = 'sqlite_sequence', rowid`)
	if err != nil {
		return nil, nil, fmt.Errorf("export: reading the schema: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.Type, &o.Name, &o.TblName, &o.SQL); err != nil {
			return nil, nil, err
		}
		switch {
		case o.Type == "table":
			tables = append(tables, &table{object: o, virtual: strings.HasPrefix(strings.ToUpper(o.SQL), "CREATE VIRTUAL TABLE")})
		case o.SQL != "": // automatic indexes have no SQL: their table's CREATE makes them
			later = append(later, o)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, t := range tables {
		if err := t.readColumns(ctx, db); err != nil {
			return nil, nil, err
		}
	}
	return tables, later, nil
}

// Column kinds in PRAGMA table_xinfo's hidden column.
const (
	columnOrdinary       = 0
	columnHidden         = 1 // a virtual table's hidden column
	columnGeneratedVirt  = 2
	columnGeneratedStore = 3
)

func (t *table) readColumns(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT name, hidden FROM pragma_table_xinfo(?)`, t.Name)
	if err != nil {
		return fmt.Errorf("export: columns of %s: %w", sqlident.Quote(t.Name), err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var hidden int
		if err := rows.Scan(&name, &hidden); err != nil {
			return err
		}
		switch hidden {
		case columnOrdinary:
			t.insert = append(t.insert, name)
			t.readable = append(t.readable, name)
		case columnGeneratedVirt, columnGeneratedStore:
			t.readable = append(t.readable, name)
		}
	}
	return rows.Err()
}

// internal reports whether t is one of SQLite's own tables
// (sqlite_sequence, sqlite_stat1, ...), which a script fills its own way
// and CSV and NDJSON leave out.
func (t *table) internal() bool { return strings.HasPrefix(strings.ToLower(t.Name), "sqlite_") }

// selectList is the column list of a SELECT over t's columns, each
// wrapped in wrap (such as "quote(%s)"). The unary + keeps each value as
// stored while hiding the declared type from the driver, which would
// otherwise turn text in DATE columns into times.
func selectList(cols []string, wrap string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf(wrap, "+"+sqlident.Quote(c))
	}
	return strings.Join(parts, ", ")
}

// pick keeps the tables named in want (SQLite's case-insensitive match),
// or every table when want is empty; a name that matches none is
// ErrNoSuchTable.
func pick(tables []*table, want []string) ([]*table, error) {
	if len(want) == 0 {
		return tables, nil
	}
	var out []*table
	for _, w := range want {
		found := false
		for _, t := range tables {
			if strings.EqualFold(t.Name, w) {
				out = append(out, t)
				found = true
				break
			}
		}
		if !found {
			return nil, optionErrorf(ErrNoSuchTable, "no table %q in the database", w)
		}
	}
	return out, nil
}
