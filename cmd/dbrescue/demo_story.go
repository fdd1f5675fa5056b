package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/internal/sqlitero"
)

// destroyPage1 copies db to broken with its first page zero-filled, with
// the corpus's zero-page1 operator (which also handles a WAL's page 1).
func destroyPage1(ctx context.Context, db, broken string) error {
	_, err := corpus.Corrupt(ctx, db, broken, corpus.Corruption{Kind: corpus.ZeroPage1, Seed: 1})
	return err
}

// sqliteOpenError shows what SQLite makes of a file, opened as every
// command opens what it only reads (sqlitero), so that nothing is left
// beside it.
func sqliteOpenError(ctx context.Context, path string) error {
	db, err := sqlitero.Open(ctx, path, sqlitero.Options{})
	if err != nil {
		return sqliteSays(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		return sqliteSays(err)
	}
	return fmt.Errorf("opens, and sees %d schema rows", n)
}

// sqliteSays is SQLite's own error inside err, without the layers that
// wrap it: the demo shows what SQLite answers.
func sqliteSays(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se
	}
	return err
}

// compareTables compares every table's rows in two databases with SQLite:
// for each table of want, how many of its rows appear in got's table of
// the same name, with the same values and types.
func compareTables(ctx context.Context, want, got string, w io.Writer) error {
	a, err := sqlitero.Open(ctx, want, sqlitero.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := sqlitero.Open(ctx, got, sqlitero.Options{})
	if err != nil {
		return err
	}
	defer b.Close()
	names, err := tableNames(ctx, a.DB)
	if err != nil {
		return err
	}
	total := 0
	for _, n := range names {
		wantRows, err := tableRows(ctx, a.DB, n)
		if err != nil {
			return err
		}
		gotRows, err := tableRows(ctx, b.DB, n)
		if err != nil {
			return err
		}
		same := 0
		for row, k := range wantRows {
			same += min(k, gotRows[row])
		}
		count := 0
		for _, k := range wantRows {
			count += k
		}
		fmt.Fprintf(w, "  %-16s %4d rows in the original, %4d identical in the recovered database\n", n, count, same)
		if same != count {
			return fmt.Errorf("table %s: %d of %d rows came back identical", n, same, count)
		}
		total += count
	}
	fmt.Fprintf(w, "All %d rows of %d tables are back, identical.\n", total, len(names))
	return nil
}

func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// tableRows counts each distinct row of a table, rendered with its types.
func tableRows(ctx context.Context, db *sql.DB, table string) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+quoteIdent(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out[fmt.Sprintf("%#v", vals)]++
	}
	return out, rows.Err()
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
