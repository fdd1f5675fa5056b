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
// functions, so the schema of any number of tables costs three queries, not
// several per table. (SQLite still runs one internal PRAGMA per table and
// per index; it is those, not the queries, that cost the time.) Virtual tables (rootpage 0) are left out: describing them
// needs their module, and they hold no rows of their own.
const (
	queryTableList = `SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main'`
	queryColumns   = `SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
		FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS p
		WHERE m.type = 'table' AND m.rootpage > 0 ORDER BY m.rowid, p.cid`
	// Every index has at least one index_xinfo row (its key and the rowid
	// or primary key), so the inner join loses no index.
	queryIndexes = `SELECT m.name, l.name, l."unique", l.origin, l.partial, x.cid, x.name, x."desc", x.coll, x."key"
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
	if err := eachRow(ctx, q, queryIndexes, func(rows *sql.Rows) error {
		var ix Index
		var unique, partial, desc, key int
		var c IndexColumn
		var name, coll sql.NullString
		if err := rows.Scan(&ix.Table, &ix.Name, &unique, &ix.Origin, &partial, &c.Cid, &name, &desc, &coll, &key); err != nil {
			return err
		}
		c.Name, c.Coll, c.Desc, c.Key = name.String, coll.String, desc != 0, key != 0
		if n := len(indexes); n == 0 || indexes[n-1].Name != ix.Name || indexes[n-1].Table != ix.Table {
			ix.Unique, ix.Partial = unique != 0, partial != 0
			indexes = append(indexes, ix)
		}
		last := &indexes[len(indexes)-1]
		last.Columns = append(last.Columns, c)
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
