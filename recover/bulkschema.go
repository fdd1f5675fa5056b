package recover

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/internal/sqlident"
)

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

// autoincrement reports whether SQLite keeps an AUTOINCREMENT counter for
// table: its INSERT program then updates sqlite_sequence (OP_MemMax).
// EXPLAIN compiles the statement without running it.
func (o *output) autoincrement(ctx context.Context, table string) bool {
	rows, err := o.query(ctx, fmt.Sprintf(`EXPLAIN INSERT INTO %s(rowid) VALUES (NULL)`, sqlident.Quote(table)))
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

// uriPath escapes what would end the path of a file: URI (? and #) and
// the escape character itself, so that SQLite opens the very file the
// builder and the reader open.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}
