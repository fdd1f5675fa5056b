package export

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"

	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// writeCSV writes t as RFC 4180 CSV (encoding/csv, CRLF line ends): a
// header row of column names, then a row per row.
func writeCSV(ctx context.Context, db *sql.DB, w *sink, t *table, blobs BlobEncoding) (int, error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.readable); err != nil {
		return 0, err
	}
	record := make([]string, len(t.readable))
	n, err := eachRow(ctx, db, t, func(vals []any) error {
		for i, v := range vals {
			record[i] = csvField(v, blobs)
		}
		return cw.Write(record)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

// writeNDJSON writes t as one JSON object per line.
func writeNDJSON(ctx context.Context, db *sql.DB, w *sink, t *table, blobs BlobEncoding) (int, error) {
	return eachRow(ctx, db, t, func(vals []any) error {
		line, err := jsonObject(t.readable, vals, blobs)
		if err != nil {
			return err
		}
		_, err = w.Write(append(line, '\n'))
		return err
	})
}

// eachRow calls f with the values of every row of t, in its readable
// columns, and returns how many rows it read.
func eachRow(ctx context.Context, db *sql.DB, t *table, f func([]any) error) (int, error) {
	if len(t.readable) == 0 {
		return 0, nil
	}
	return queryRows(ctx, db, t, "SELECT "+selectList(t.readable, "%s")+" FROM "+sqlident.Quote(t.Name), len(t.readable), f)
}

// queryRows runs query, which reads t and returns n columns, and calls f
// with the values of each row (the slice is reused); it returns how many
// rows it read.
func queryRows(ctx context.Context, db *sql.DB, t *table, query string, n int, f func([]any) error) (int, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("export: reading %s: %w", sqlident.Quote(t.Name), err)
	}
	defer rows.Close()
	vals := make([]any, n)
	dest := make([]any, n)
	for i := range vals {
		dest[i] = &vals[i]
	}
	count := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return count, err
		}
		if err := f(vals); err != nil {
			return count, err
		}
		count++
	}
	return count, rows.Err()
}
