package export

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// writeSQL writes a script that rebuilds the chosen tables in the sqlite3
// shell, as its .dump does: foreign keys off, one transaction, each
// table's CREATE then its rows, sqlite_sequence, then indexes, views and
// triggers (created after the rows, so no trigger fires during the load),
// user_version and application_id. A virtual table is entered into
// sqlite_schema under writable_schema, as .dump does, and its shadow
// tables carry its content. Every literal is SQLite's quote() of the
// stored value.
//
// It returns the rows written per table, keyed by name.
func writeSQL(ctx context.Context, db *sql.DB, w *sink, chosen []*table, later []object, all bool) (map[string]int, error) {
	p := &scriptPrinter{w: w}
	p.line("PRAGMA foreign_keys=OFF;")
	p.line("BEGIN TRANSACTION;")
	counts := map[string]int{}
	writable := false
	for _, t := range chosen {
		if t.internal() {
			continue
		}
		if t.virtual {
			if !writable {
				p.line("PRAGMA writable_schema=ON;")
				writable = true
			}
			q, err := quoteAll(ctx, db, t.Name, t.SQL)
			if err != nil {
				return counts, err
			}
			p.line("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table',%s,%s,0,%s);", q[0], q[0], q[1])
			continue
		}
		p.line("%s;", t.SQL)
		n, err := writeInserts(ctx, db, p, t)
		counts[t.Name] = n
		if err != nil {
			return counts, err
		}
	}
	names := map[string]bool{}
	for _, t := range chosen {
		names[strings.ToLower(t.Name)] = true
	}
	if err := writeSequence(ctx, db, p, names, all); err != nil {
		return counts, err
	}
	for _, o := range later {
		if all || (o.Type != "view" && names[strings.ToLower(o.TblName)]) {
			p.line("%s;", o.SQL)
		}
	}
	if all {
		for _, pragma := range []string{"user_version", "application_id"} {
			var v int64
			if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&v); err != nil {
				return counts, err
			}
			if v != 0 {
				p.line("PRAGMA %s=%d;", pragma, v)
			}
		}
	}
	if writable {
		p.line("PRAGMA writable_schema=OFF;")
	}
	p.line("COMMIT;")
	return counts, p.err
}

// writeInserts writes one INSERT per row of t, naming its ordinary
// columns (a generated column takes no value).
func writeInserts(ctx context.Context, db *sql.DB, p *scriptPrinter, t *table) (int, error) {
	if len(t.insert) == 0 {
		return 0, nil
	}
	cols := make([]string, len(t.insert))
	for i, c := range t.insert {
		cols[i] = sqlident.Quote(c)
	}
	prefix := "INSERT INTO " + sqlident.Quote(t.Name) + "(" + strings.Join(cols, ",") + ") VALUES("
	query := "SELECT " + selectList(t.insert, "quote(%s)") + " FROM " + sqlident.Quote(t.Name)
	lits := make([]string, len(t.insert))
	return queryRows(ctx, db, t, query, len(t.insert), func(vals []any) error {
		for i, v := range vals {
			lits[i], _ = v.(string) // quote() always gives text
		}
		p.line("%s%s);", prefix, strings.Join(lits, ","))
		return p.err
	})
}

// writeSequence writes sqlite_sequence's rows of the chosen tables (all
// of them when all is set, after a DELETE, as .dump does): the table
// exists once an AUTOINCREMENT table was created.
func writeSequence(ctx context.Context, db *sql.DB, p *scriptPrinter, names map[string]bool, all bool) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_sequence'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT name, quote(name), quote(seq) FROM sqlite_sequence`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if all {
		p.line("DELETE FROM sqlite_sequence;")
	}
	for rows.Next() {
		var raw, name, value string
		if err := rows.Scan(&raw, &name, &value); err != nil {
			return err
		}
		if all || names[strings.ToLower(raw)] {
			p.line("INSERT INTO sqlite_sequence(name,seq) VALUES(%s,%s);", name, value)
		}
	}
	return rows.Err()
}

// quoteAll returns SQLite's quote() of each string.
func quoteAll(ctx context.Context, db *sql.DB, s ...string) ([]string, error) {
	out := make([]string, len(s))
	for i, v := range s {
		if err := db.QueryRowContext(ctx, `SELECT quote(?)`, v).Scan(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scriptPrinter writes lines and keeps the first error.
type scriptPrinter struct {
	w   *sink
	err error
}

func (p *scriptPrinter) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}
