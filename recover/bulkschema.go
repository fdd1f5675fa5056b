package recover

import (
	"context"
	"fmt"
)

// indexInfo is what PRAGMA index_list and index_xinfo say of an index of
// the output.
type indexInfo struct {
	name    string
	unique  bool
	origin  string // "c" CREATE INDEX, "u" UNIQUE constraint, "pk" PRIMARY KEY
	partial bool
	cols    []indexCol
}

// indexCol is one row of PRAGMA index_xinfo.
type indexCol struct {
	cid  int // table column; -1 the rowid, -2 an expression
	desc bool
	coll string
	key  bool
}

// query runs one of the repair's own queries on the output, once the
// writer is idle, and returns every row.
func (o *output) query(ctx context.Context, q string, args ...any) ([][]any, error) {
	if err := o.sync(); err != nil {
		return nil, err
	}
	o.trusted.Store(true)
	defer o.trusted.Store(false)
	rows, err := o.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// indexList describes every index SQLite keeps for a table of the output,
// automatic indexes of UNIQUE and PRIMARY KEY constraints included.
func (o *output) indexList(ctx context.Context, table string) ([]indexInfo, error) {
	list, err := o.query(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, table)
	if err != nil {
		return nil, err
	}
	var out []indexInfo
	for _, row := range list {
		x := indexInfo{name: asString(row[0]), unique: asInt(row[1]) != 0, origin: asString(row[2]), partial: asInt(row[3]) != 0}
		cols, err := o.query(ctx, `SELECT cid, "desc", coll, "key" FROM pragma_index_xinfo(?) ORDER BY seqno`, x.name)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			x.cols = append(x.cols, indexCol{cid: int(asInt(c[0])), desc: asInt(c[1]) != 0, coll: asString(c[2]), key: asInt(c[3]) != 0})
		}
		out = append(out, x)
	}
	return out, nil
}

// autoincrement reports whether SQLite keeps an AUTOINCREMENT counter for
// table: its INSERT program then updates sqlite_sequence (OP_MemMax).
// EXPLAIN compiles the statement without running it.
func (o *output) autoincrement(ctx context.Context, table string) bool {
	rows, err := o.query(ctx, fmt.Sprintf(`EXPLAIN INSERT INTO %s(rowid) VALUES (NULL)`, quoteIdent(table)))
	if err != nil {
		return false
	}
	for _, row := range rows {
		if len(row) > 1 && asString(row[1]) == "MemMax" {
			return true
		}
	}
	return false
}

// insertSQL inserts through SQLite whatever divert says.
func (o *output) insertSQL(ctx context.Context, table string, cols []string, vals []any, replace bool, reject func() error) error {
	d := o.divert
	o.divert = nil
	defer func() { o.divert = d }()
	return o.insert(ctx, table, cols, vals, replace, reject)
}

// raiseSequence sets table's AUTOINCREMENT counter to seq unless it is
// higher already, as an INSERT of rowid seq does.
func (o *output) raiseSequence(ctx context.Context, table string, seq int64) {
	_ = o.trustedExec(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?`, seq, table, seq)
	_ = o.trustedExec(ctx, `INSERT INTO sqlite_sequence(name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)`, table, seq, table)
}

func asString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func asInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 0
}
