package recover

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
)

// bulkAbandon moves a table to the INSERT path while rows are still coming:
// the rows kept so far are inserted now (the newest accepted copy of each
// key; SQLite holds the odd ones already), and the rest follow them.
func (r *repairer) bulkAbandon(ctx context.Context, bt *bulkTable, why string) error {
	bt.path, bt.why = PathInsert, why
	if err := bt.lateIndexes(r.bulk.entries); err != nil {
		return err
	}
	// Lost rows still queued (queueLost) go into the sorter before it is
	// sorted.
	if err := bt.flushEntries(r.bulk.entries, true); err != nil {
		return err
	}
	it, err := bt.sorter.Sort()
	if err != nil {
		return err
	}
	defer bt.sorter.Close()
	loud := func() error {
		return fmt.Errorf("recover: SQLite refused a row of %q that needed no change", bt.name)
	}
	insert := func(rowid int64, rec []byte, replace bool) error {
		vals, err := btree.DecodeRecord(bytes.Clone(rec), r.bulk.enc)
		if err != nil {
			return err
		}
		if bt.lost != nil {
			cols := append([]string{"rowid"}, lostColumnNames(len(vals))...)
			return r.out.insert(ctx, bt.name, cols, append([]any{rowid}, vals...), false, loud)
		}
		sh := bt.t.shapeFor(len(vals))
		return r.out.insert(ctx, bt.name, sh.cols, sh.values(rowid, vals), replace, loud)
	}
	switch {
	case bt.withoutRowid:
		err = bt.wrWinners(it, func(rec []byte) error { return insert(0, rec, false) })
	default:
		err = bt.winners(it, nil, func(rowid int64, rec []byte, fromSQLite bool) error {
			if fromSQLite {
				return nil
			}
			return insert(rowid, rec, true)
		})
	}
	return err
}

// lostColumnNames names the first n columns of a lost_and_found table.
func lostColumnNames(n int) []string {
	var out []string
	for i, col := range strings.Split(lostColumns, ", ") {
		if i < n {
			name, _, _ := strings.Cut(col, " ")
			out = append(out, name)
		}
	}
	for i := len(out); i < n; i++ {
		out = append(out, fmt.Sprintf("c%d", i-len(strings.Split(lostColumns, ", "))))
	}
	return out
}

// bulkError is the builder failing once SQLite has closed the output: the
// file is then in no known state, and the repair is done again through
// INSERT (repairAgain).
type bulkError struct{ err error }

func (e *bulkError) Error() string { return "recover: the bulk builder failed: " + e.err.Error() }

func (e *bulkError) Unwrap() error { return e.err }

// repairAgain redoes a repair whose bulk build failed, through INSERT, and
// says so in the report.
func repairAgain(ctx context.Context, input string, opts Options, failed *bulkError) (*Report, error) {
	opts.NoBulk = true
	rep, err := Repair(ctx, input, opts)
	if rep != nil {
		rep.Warnings = append(rep.Warnings, failed.Error()+"; the rows were written through INSERT instead")
		for _, t := range rep.Tables {
			t.PathWhy = "the bulk builder failed"
		}
	}
	return rep, err
}
