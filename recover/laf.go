package recover

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
)

// lostTable is a lost_and_found table: entries of one b-tree (an orphan
// tree no table claims, or entries of a table's tree that are not its
// rows) kept as they were stored (c0, c1, ... in record order, the INTEGER
// PRIMARY KEY slot NULL as on disk) with where they were found: root_guess
// (the top page of the tree), page, cell, id (the rowid, for table
// b-trees) and reason. It grows a column when a wider record comes.
type lostTable struct {
	name  string
	width int
	rep   *LostAndFound
	pages map[uint32]bool
	// lastPage is the page keepLostStored last added to pages (rows
	// come a page at a time); bulk is the table's bulk table once known.
	lastPage uint32
	bulk     *bulkTable
}

// lostColumns are the columns a lost_and_found table starts with, in the
// order toLostAndFound passes them; c0, c1, ... (untyped) follow.
const lostColumns = "root_guess INTEGER, page INTEGER, cell INTEGER, id INTEGER, reason TEXT"

// lostKey identifies the b-tree a lost_and_found table collects: a census
// tree, or the page-level backup's pages.
type lostKey struct {
	tree   int // census tree index; -1 for the backup
	backup bool
}

// lostName returns a lost_and_found table name no table of the plan and
// no earlier lost_and_found table uses, whatever names the damaged file
// uses.
func (r *repairer) lostName() string {
	for n := len(r.lostOrder) + 1; ; n++ {
		name := fmt.Sprintf("lost_and_found_%d", n)
		if !r.nameTaken(name) {
			return name
		}
	}
}

// nameTaken reports whether name is taken in the output, case-insensitively.
func (r *repairer) nameTaken(name string) bool {
	key := strings.ToLower(name)
	if r.plan.byName[key] != nil || r.plan.indexes[key] {
		return true
	}
	for _, o := range r.plan.later {
		if strings.ToLower(o.Name) == key {
			return true
		}
	}
	for _, lt := range r.lostOrder {
		if strings.ToLower(lt.name) == key {
			return true
		}
	}
	return r.deletedNames[key]
}

// toLostAndFound keeps an entry in the lost_and_found table of the b-tree
// it came from, with why it is there.
func (r *repairer) toLostAndFound(ctx context.Context, key lostKey, root uint32, table bool, e *btree.Entry, vals []any, why string) error {
	lt := r.lost[key]
	if lt == nil {
		// Writing what is queued first runs the rejects of refused rows,
		// which may create lost_and_found tables of their own (this one
		// too): only then is a name chosen, so that none is taken twice.
		if err := r.out.sync(); err != nil {
			return err
		}
		lt = r.lost[key]
	}
	if lt == nil {
		kind := "index"
		if table {
			kind = "table"
		}
		lt = &lostTable{name: r.lostName(), pages: map[uint32]bool{}}
		lt.rep = &LostAndFound{Table: lt.name, RootGuess: root, Kind: kind, Path: PathInsert}
		if err := r.out.trustedExec(ctx, fmt.Sprintf("CREATE TABLE %s(%s)", lt.name, lostColumns)); err != nil {
			return err
		}
		r.lost[key] = lt
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
	cols := []string{"root_guess", "page", "cell", "id", "reason"}
	var id any
	if table {
		id = e.Rowid
	}
	args := []any{root, e.Pgno, e.Cell, id, why}
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
