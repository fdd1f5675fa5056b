package master

import (
	"context"
	"database/sql"
	"fmt"
)

// queryer is what the capture queries need: a *sql.Conn inside the
// capture's read transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// The column queries join sqlite_master with SQLite's table-valued pragma
// functions, so the schema of any number of tables costs four queries, not
// four per table. Virtual tables (rootpage 0) are left out: describing them
// needs their module, and they hold no rows of their own.
const (
	queryTableList = `SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main'`
	queryColumns   = `SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
		FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS p
		WHERE m.type = 'table' AND m.rootpage > 0 ORDER BY m.rowid, p.cid`
	queryIndexList = `SELECT m.name, l.name, l."unique", l.origin, l.partial
		FROM sqlite_master AS m, pragma_index_list(m.name) AS l
		WHERE m.type = 'table' AND m.rootpage > 0 ORDER BY m.rowid, l.seq`
	queryIndexCols = `SELECT l.name, x.cid, x.name, x."desc", x.coll, x."key"
		FROM sqlite_master AS m, pragma_index_list(m.name) AS l, pragma_index_xinfo(l.name) AS x
		WHERE m.type = 'table' AND m.rootpage > 0 ORDER BY m.rowid, l.seq, x.seqno`
)

// describeSchema asks SQLite how it sees every table and index: columns
// (table_xinfo), WITHOUT ROWID and STRICT (table_list), indexes and their
// columns (index_list, index_xinfo), from which it derives the rowid alias
// and each table's record order. Nothing here parses SQL: SQLite has
// already interpreted every CREATE statement.
func describeSchema(ctx context.Context, q queryer) ([]Table, []Index, error) {
	type flags struct{ wr, strict bool }
	tableFlags := map[string]flags{}
	if err := eachRow(ctx, q, queryTableList, func(rows *sql.Rows) error {
		var name string
		var wr, strict int
		if err := rows.Scan(&name, &wr, &strict); err != nil {
			return err
		}
		tableFlags[name] = flags{wr != 0, strict != 0}
		return nil
	}); err != nil {
		return nil, nil, err
	}

	var tables []Table
	byName := map[string]int{}
	if err := eachRow(ctx, q, queryColumns, func(rows *sql.Rows) error {
		var table string
		var c Column
		var notNull int
		var dflt sql.NullString
		if err := rows.Scan(&table, &c.Name, &c.DeclType, &notNull, &dflt, &c.PK, &c.Hidden); err != nil {
			return err
		}
		c.NotNull, c.HasDefault, c.Default = notNull != 0, dflt.Valid, dflt.String
		c.Affinity = AffinityOf(c.DeclType)
		i, ok := byName[table]
		if !ok {
			f := tableFlags[table]
			i = len(tables)
			byName[table] = i
			tables = append(tables, Table{Name: table, WithoutRowid: f.wr, Strict: f.strict, RowidAlias: -1})
		}
		tables[i].Columns = append(tables[i].Columns, c)
		return nil
	}); err != nil {
		return nil, nil, err
	}

	var indexes []Index
	indexAt := map[string]int{}
	if err := eachRow(ctx, q, queryIndexList, func(rows *sql.Rows) error {
		var ix Index
		var unique, partial int
		if err := rows.Scan(&ix.Table, &ix.Name, &unique, &ix.Origin, &partial); err != nil {
			return err
		}
		ix.Unique, ix.Partial = unique != 0, partial != 0
		indexAt[ix.Name] = len(indexes)
		indexes = append(indexes, ix)
		return nil
	}); err != nil {
		return nil, nil, err
	}
	if err := eachRow(ctx, q, queryIndexCols, func(rows *sql.Rows) error {
		var index string
		var c IndexColumn
		var name, coll sql.NullString
		var desc, key int
		if err := rows.Scan(&index, &c.Cid, &name, &desc, &coll, &key); err != nil {
			return err
		}
		c.Name, c.Coll, c.Desc, c.Key = name.String, coll.String, desc != 0, key != 0
		if i, ok := indexAt[index]; ok {
			indexes[i].Columns = append(indexes[i].Columns, c)
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}

	for i := range tables {
		if err := deriveStorage(&tables[i], indexes); err != nil {
			return nil, nil, err
		}
	}
	return tables, indexes, nil
}

// deriveStorage sets a table's rowid alias and record order from its
// columns and its PRIMARY KEY index.
//
// A rowid table whose PRIMARY KEY is one column with no backing index
// (origin "pk") keeps that column as the rowid itself: the INTEGER PRIMARY
// KEY, stored as NULL in the record. Any other PRIMARY KEY has an automatic
// index. A WITHOUT ROWID table's record order is its PRIMARY KEY b-tree's:
// the key columns, then the rest. VIRTUAL generated columns are never
// stored.
func deriveStorage(t *Table, indexes []Index) error {
	var pkIndex *Index
	for i := range indexes {
		if indexes[i].Table == t.Name && indexes[i].Origin == "pk" {
			pkIndex = &indexes[i]
		}
	}
	if t.WithoutRowid {
		if pkIndex == nil {
			return fmt.Errorf("WITHOUT ROWID table %q has no PRIMARY KEY index", t.Name)
		}
		for _, c := range pkIndex.Columns {
			if c.Cid < 0 || c.Cid >= len(t.Columns) {
				return fmt.Errorf("primary key of %q names column %d of %d", t.Name, c.Cid, len(t.Columns))
			}
			if t.Columns[c.Cid].Hidden != ColumnGeneratedVirtual {
				t.RecordOrder = append(t.RecordOrder, c.Cid)
			}
		}
		return nil
	}
	pk := -1
	for i, c := range t.Columns {
		if c.Hidden != ColumnGeneratedVirtual {
			t.RecordOrder = append(t.RecordOrder, i)
		}
		if c.PK > 0 {
			if pk >= 0 {
				pk = -2 // composite: never the rowid
			} else if pk == -1 {
				pk = i
			}
		}
	}
	if pk >= 0 && pkIndex == nil {
		t.RowidAlias = pk
	}
	return nil
}

// eachRow runs a query and calls fn for each row.
func eachRow(ctx context.Context, q queryer, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("master: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("master: %w", err)
		}
	}
	return rows.Err()
}
