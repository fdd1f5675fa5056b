package corpus

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// SelectCopy is the baseline every repair is compared with: what stock
// SQLite gets out of a damaged file. It opens a scratch copy of broken (and
// its WAL) with SQLite and, for every table of the original schema (from
// truth), runs SELECT * and copies the rows it returns, up to the first
// error, into a new database at out created with the original CREATE TABLE
// statements. It returns, per table, why reading stopped early (nothing
// for tables read to the end). Only failing to create out is an error.
func SelectCopy(ctx context.Context, truth *Truth, broken, out string) (map[string]string, error) {
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("corpus: %s already exists", out)
	}
	dst, err := sql.Open("sqlite", "file:"+out)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	dst.SetMaxOpenConns(1)
	for _, t := range truth.Tables {
		if _, err := dst.ExecContext(ctx, t.SQL); err != nil {
			return nil, fmt.Errorf("corpus: creating %s in %s: %w", t.Name, out, err)
		}
	}
	dir, err := os.MkdirTemp("", "dbrescue-select-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, "broken.db")
	problems := map[string]string{}
	for _, suffix := range []string{"", "-wal"} {
		if err := fsutil.CopyFile(broken+suffix, cp+suffix); err != nil && (suffix == "" || !errors.Is(err, fs.ErrNotExist)) {
			return nil, err
		}
	}
	src, err := sql.Open("sqlite", "file:"+cp)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	for _, t := range truth.Tables {
		if err := copyTable(ctx, src, dst, t); err != nil {
			problems[t.Name] = err.Error()
		}
	}
	return problems, nil
}

// copyTable copies one table's rows, in one transaction, until the first
// read error.
func copyTable(ctx context.Context, src, dst *sql.DB, t *TableTruth) (err error) {
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := tx.Commit(); err == nil {
			err = cerr
		}
	}()
	// The rowid is copied when it is not already a column.
	withRowid := !t.WithoutRowid && t.IPK < 0
	cols := make([]string, 0, len(t.Columns)+1)
	if withRowid {
		cols = append(cols, "rowid")
	}
	for _, c := range t.Columns {
		cols = append(cols, sqlident.Quote(c))
	}
	ins, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (?%s)",
		sqlident.Quote(t.Name), strings.Join(cols, ", "), strings.Repeat(", ?", len(cols)-1)))
	if err != nil {
		return err
	}
	defer ins.Close()
	rows, err := readRows(ctx, src, t.Name, t.Columns, withRowid, "")
	for _, r := range rows {
		args := r.Values
		if withRowid {
			args = append([]any{r.Rowid}, args...)
		}
		if _, ierr := ins.ExecContext(ctx, args...); ierr != nil {
			return ierr
		}
	}
	return err
}
