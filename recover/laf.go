package recover

import (
	"context"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
)

// lostTable is a lost_and_found table: rows of one orphan b-tree that no
// table claims, kept as they were stored (c0, c1, ... in record order, the
// INTEGER PRIMARY KEY slot NULL as on disk) with where they were found:
// root_guess (the top page of the orphan tree), page, cell, and id (the
// rowid, for table b-trees). It grows a column when a wider record comes.
type lostTable struct {
	name  string
	width int
	rep   *LostAndFound
	pages map[uint32]bool
}

// toLostAndFound writes an entry to the lost_and_found table of the b-tree
// whose top page is root.
func (r *repairer) toLostAndFound(ctx context.Context, root uint32, kind string, e *btree.Entry, vals []any) error {
	lt := r.lost[root]
	if lt == nil {
		lt = &lostTable{name: fmt.Sprintf("lost_and_found_%d", len(r.lost)+1), pages: map[uint32]bool{}}
		lt.rep = &LostAndFound{Table: lt.name, RootGuess: root, Kind: kind}
		if err := r.out.trustedExec(ctx, fmt.Sprintf("CREATE TABLE %s(root_guess INTEGER, page INTEGER, cell INTEGER, id INTEGER)", lt.name)); err != nil {
			return err
		}
		r.lost[root] = lt
		r.lostOrder = append(r.lostOrder, lt)
	}
	for lt.width < len(vals) {
		if err := r.out.commit(); err != nil {
			return err
		}
		if err := r.out.trustedExec(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN c%d", lt.name, lt.width)); err != nil {
			return err
		}
		lt.width++
	}
	cols := []string{"root_guess", "page", "cell", "id"}
	var id any
	if kind == "table" {
		id = e.Rowid
	}
	args := []any{root, e.Pgno, e.Cell, id}
	for i, v := range vals {
		cols, args = append(cols, fmt.Sprintf("c%d", i)), append(args, v)
	}
	if err := r.out.insert(ctx, lt.name, cols, args, false, nil); err != nil {
		return err
	}
	lt.rep.Rows++
	lt.pages[e.Pgno] = true
	return nil
}
