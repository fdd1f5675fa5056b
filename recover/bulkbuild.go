package recover

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/bulk"
	"github.com/dbrescue/dbrescue/internal/sqlident"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// bulkIndex is an index the builder fills: SQLite creates it after the
// rows (over the odd rows it holds, if any) and the builder replaces its
// b-tree.
type bulkIndex struct {
	name, sql string
	recipe    *bulk.Recipe
	order     *bulk.Order
	sorter    *bulk.Sorter
	root      uint32
	// failed says why the index could not be built (a UNIQUE index over
	// duplicate keys): SQLite's CREATE INDEX then runs as on the INSERT
	// path, and fails as it would have.
	failed string
	// entries signs the recordHash of every entry written, for the
	// cross-check, once written says the index was written whole.
	entries signature
	written bool
	// made signs the entries the entry worker made as the rows came.
	made signature
}

// finishBulk builds the b-trees of every table kept for the builder, once
// every row is decided: SQLite creates the indexes to fill and closes the
// file, the builder writes the trees, SQLite reopens it.
func (r *repairer) finishBulk(ctx context.Context, tmp string) error {
	b := r.bulk
	if b == nil {
		return nil
	}
	defer b.describe()
	r.out.divert = nil
	for _, bt := range b.order {
		if err := bt.flushEntries(b.entries, false); err != nil {
			return err
		}
	}
	if err := b.entries.stop(); err != nil {
		return err
	}
	var todo []*bulkTable
	for _, bt := range b.order {
		if bt.path == PathBulk {
			todo = append(todo, bt)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	indexes := map[*bulkTable][]*bulkIndex{}
	for _, bt := range todo {
		indexes[bt] = r.bulkIndexes(ctx, bt)
	}
	if err := r.out.commit(); err != nil {
		return err
	}
	r.out.close()
	err := r.buildFile(tmp, todo, indexes)
	if err != nil {
		err = &bulkError{err}
	}
	// The rows kept and the entries sorted are garbage now: give the
	// memory back before SQLite checks the file beside the cross-check.
	debug.FreeOSMemory()
	out, oerr := openOutput(ctx, r.standIns.driver, tmp, r.f.Geometry.PageSize, r.geo.Encoding, r.bulk.autoVacuum)
	r.out = out // nil when it failed: nothing to close
	if oerr != nil {
		return &bulkError{errors.Join(err, oerr)}
	}
	if err != nil {
		return err
	}
	for _, s := range r.bulkSeq {
		r.out.raiseSequence(ctx, s.table, s.seq)
	}
	for _, bt := range todo {
		for _, ix := range indexes[bt] {
			if ix.failed != "" {
				_ = r.out.trustedExec(ctx, "DROP INDEX "+sqlident.Quote(ix.name))
				delete(b.created, strings.ToLower(ix.name))
			}
		}
	}
	return nil
}

// bulkIndexes creates, on the table SQLite holds (empty, or with the odd
// rows), the indexes the builder fills; the others are left to
// createLater, after the rows, as on the INSERT path.
func (r *repairer) bulkIndexes(ctx context.Context, bt *bulkTable) []*bulkIndex {
	var out []*bulkIndex
	for _, ix := range bt.indexes {
		if err := r.out.create(ctx, ix.sql); err != nil {
			// createLater tries again and reports why.
			if ix.sorter != nil {
				ix.sorter.Close()
			}
			continue
		}
		r.bulk.created[strings.ToLower(ix.name)] = true
		out = append(out, ix)
	}
	return out
}

// indexPlan derives from SQLite's description of an index how to make its
// entries from the table's records, and their order; nil when the
// builder cannot: a partial index, an expression, a collation other than
// BINARY, NOCASE and RTRIM.
func (bt *bulkTable) indexPlan(x master.Index, b *bulkState) *bulkIndex {
	info := &bt.t.info
	if x.Partial {
		return nil
	}
	ix := &bulkIndex{name: x.Name, recipe: &bulk.Recipe{}, order: &bulk.Order{Encoding: b.enc}}
	keys := 0
	for _, c := range x.Columns {
		coll, ok := bulk.ParseCollation(c.Coll)
		if !ok || c.Cid < -1 || c.Cid >= len(info.Columns) {
			return nil
		}
		ix.order.Fields = append(ix.order.Fields, bulk.Field{Coll: coll, Desc: c.Desc})
		if c.Key {
			keys++
		}
		if c.Cid == -1 || c.Cid == info.RowidAlias {
			ix.recipe.Sources = append(ix.recipe.Sources, bulk.Source{Field: bulk.RowidField})
			continue
		}
		pos := slices.Index(info.RecordOrder, c.Cid)
		if pos < 0 {
			return nil
		}
		// A record too short for the column reads its DEFAULT; rows whose
		// default the builder cannot encode are odd, never built here.
		def := bulk.Value{}
		if v, ok := columnDefault(info.Columns[c.Cid]); ok {
			if dv, err := bulk.EncodeValue(v, b.enc); err == nil {
				def = dv
			}
		}
		ix.recipe.Sources = append(ix.recipe.Sources, bulk.Source{Field: pos, Default: def})
	}
	if x.Unique {
		ix.order.Unique = keys
	}
	return ix
}

// buildFile writes every kept table's b-tree, and its indexes', into the
// file SQLite closed.
func (r *repairer) buildFile(path string, todo []*bulkTable, indexes map[*bulkTable][]*bulkIndex) error {
	if buildHook != nil {
		if err := buildHook(path); err != nil {
			return err
		}
	}
	held, err := r.readHeld(path, todo, indexes)
	if err != nil {
		return err
	}
	f, err := bulk.Open(path)
	if err != nil {
		return err
	}
	for i, bt := range todo {
		r.phase(PhaseBuild, i, len(todo))
		if err := r.buildTable(f, bt, indexes[bt], held[bt]); err != nil {
			f.Close()
			return fmt.Errorf("recover: building table %q: %w", bt.name, err)
		}
		if rows := held[bt].rows; rows != nil {
			rows.Close()
		}
	}
	r.phase(PhaseBuild, len(todo), len(todo))
	for _, h := range held {
		f.Free(h.pages...)
	}
	return f.Close()
}

// buildHook, set by tests, runs before the builder touches the file; an
// error it returns is the builder failing.
var buildHook func(path string) error

// heldTrees is what SQLite holds of a kept table and of the indexes
// created for it: their roots, the pages the new trees replace, and the
// table's rows (the odd rows SQLite accepted).
type heldTrees struct {
	root  uint32
	pages []uint32
	rows  *bulk.Sorter
}

// readHeld reads, before anything is replaced, what SQLite wrote for the
// kept tables and their indexes.
func (r *repairer) readHeld(path string, todo []*bulkTable, indexes map[*bulkTable][]*bulkIndex) (map[*bulkTable]*heldTrees, error) {
	pf, err := pagefile.Open(path, pagefile.Options{NoWAL: true, NoJournal: true})
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	rd := btree.ReaderFor(pf)
	schema, _, err := rd.ReadSchema()
	if err != nil {
		return nil, err
	}
	roots := map[string]uint32{}
	for _, row := range schema {
		if row.RootPage > 0 {
			roots[strings.ToLower(row.Name)] = uint32(row.RootPage)
		}
	}
	out := map[*bulkTable]*heldTrees{}
	for _, bt := range todo {
		h := &heldTrees{root: roots[strings.ToLower(bt.name)]}
		if h.root == 0 {
			return nil, fmt.Errorf("recover: table %q has no root in the output", bt.name)
		}
		if !bt.withoutRowid {
			h.rows = bulk.NewSorter(func(a, b []byte) int { return bytes.Compare(a[:8], b[:8]) }, r.bulk.dir, r.bulk.budget)
			h.rows.UsePrefix(func(item []byte) (uint64, uint64) { return binary.BigEndian.Uint64(item), 0 })
		}
		entries, err := h.read(rd, h.root, !bt.withoutRowid)
		if err != nil {
			return nil, err
		}
		if entries > 0 && bt.withoutRowid {
			return nil, fmt.Errorf("recover: WITHOUT ROWID table %q has rows SQLite wrote", bt.name)
		}
		for _, ix := range indexes[bt] {
			if ix.root = roots[strings.ToLower(ix.name)]; ix.root == 0 {
				return nil, fmt.Errorf("recover: index %q has no root in the output", ix.name)
			}
			if _, err := h.read(rd, ix.root, false); err != nil {
				return nil, err
			}
		}
		out[bt] = h
	}
	return out, nil
}

// read walks a tree SQLite wrote, noting its pages but the root (the new
// tree's top goes there) and, with table rows, keeping the rows.
func (h *heldTrees) read(rd *btree.Reader, root uint32, rows bool) (int, error) {
	var item []byte
	res, err := rd.WalkTree(root, btree.WalkOptions{Reuse: true, OnEntry: func(e *btree.Entry) error {
		if e.PayloadErr != nil {
			return e.PayloadErr
		}
		if rows && h.rows != nil {
			item = appendRowid(item[:0], e.Rowid)
			item = append(item, e.Payload...)
			return h.rows.Add(item) // copies the item
		}
		return nil
	}})
	if err == nil && len(res.Errors) > 0 {
		err = res.Errors[0]
	}
	if err != nil {
		return 0, fmt.Errorf("recover: reading the tree at page %d of the output: %w", root, err)
	}
	for _, p := range res.Pages {
		if p.Pgno != root {
			h.pages = append(h.pages, p.Pgno)
		}
	}
	h.pages = append(h.pages, res.Overflow...)
	return res.Entries, nil
}

// buildTable writes one table's b-tree, then its indexes'.
func (r *repairer) buildTable(f *bulk.File, bt *bulkTable, ixs []*bulkIndex, h *heldTrees) error {
	if !bt.early || len(ixs) == 0 {
		if err := r.buildRows(f, bt, ixs, h); err != nil {
			return err
		}
		return buildIndexes(f, ixs, false)
	}
	// The index entries were made as the rows came: the indexes are
	// built on the other core while the table is.
	built := make(chan error, 1)
	go func() { built <- buildIndexes(f, ixs, true) }()
	err := r.buildRows(f, bt, ixs, h)
	return errors.Join(err, <-built)
}

// buildIndexes writes the indexes of a table from their sorted entries.
func buildIndexes(f *bulk.File, ixs []*bulkIndex, early bool) error {
	for _, ix := range ixs {
		if err := buildIndex(f, ix, early); err != nil {
			return fmt.Errorf("index %q: %w", ix.name, err)
		}
	}
	return nil
}

// buildRows writes a table's tree from its kept rows (and the rows SQLite
// holds), and, unless they were made as the rows came, the entries of its
// indexes.
func (r *repairer) buildRows(f *bulk.File, bt *bulkTable, ixs []*bulkIndex, h *heldTrees) error {
	it, err := bt.sorter.Sort()
	if err != nil {
		return err
	}
	defer bt.sorter.Close()
	var tree *bulk.Tree
	if bt.withoutRowid {
		tree = f.NewIndexTree(bt.order)
	} else {
		tree = f.NewTableTree()
	}
	var entry []byte
	var fields []bulk.Value
	var maxRowid int64
	emit := func(rowid int64, rec []byte) error {
		var err error
		if bt.withoutRowid {
			err = tree.AddEntry(rec)
		} else {
			err = tree.AddRow(rowid, rec)
			maxRowid = max(maxRowid, rowid)
		}
		if err != nil {
			return err
		}
		if bt.early {
			return nil // made as the rows came
		}
		for _, ix := range ixs {
			if entry, fields, err = ix.recipe.AppendEntry(entry[:0], rowid, rec, fields); err != nil {
				return err
			}
			if err := ix.sorter.Add(entry); err != nil {
				return err
			}
		}
		return nil
	}
	if !bt.early {
		for _, ix := range ixs {
			ix.sorter = r.bulk.indexSorter(ix)
		}
	}
	if bt.withoutRowid {
		err = bt.wrWinners(it, func(rec []byte) error { return emit(0, rec) })
	} else {
		var sqliteRows *bulk.Iter
		if h.rows != nil {
			if sqliteRows, err = h.rows.Sort(); err != nil {
				return err
			}
		}
		err = bt.winners(it, sqliteRows, func(rowid int64, rec []byte, _ bool) error { return emit(rowid, rec) })
	}
	if err != nil {
		return err
	}
	if err := tree.Finish(h.root); err != nil {
		return err
	}
	if bt.t != nil {
		bt.t.rep.Path = PathBulk
	}
	if bt.autoinc && maxRowid > 0 {
		r.bulkSeq = append(r.bulkSeq, bulkSeq{bt.name, maxRowid})
	}
	return nil
}

// buildIndex writes one index from its sorted entries. A UNIQUE index over
// duplicate keys is abandoned: SQLite's CREATE INDEX fails on it as it
// does on the INSERT path.
func buildIndex(f *bulk.File, ix *bulkIndex, early bool) error {
	defer ix.sorter.Close()
	it, err := ix.sorter.Sort()
	if err != nil {
		return err
	}
	tree := f.NewIndexTree(ix.order)
	// The entries' signature for the cross-check: made with them when
	// they came with the rows (by the entry worker), else here.
	entries, signed := ix.made, early
	for it.Next() {
		if !signed {
			if h, ok := recordHash(it.Item(), f.Encoding()); ok {
				entries.add(h)
			}
		}
		var err error
		if hi, lo, ok := it.Key(); ok {
			err = tree.AddEntryKeyed(it.Item(), hi, lo)
		} else {
			err = tree.AddEntry(it.Item())
		}
		if err != nil {
			tree.Abandon()
			if errors.Is(err, bulk.ErrNotUnique) {
				ix.failed = err.Error()
				return nil
			}
			return err
		}
	}
	if it.Err() != nil {
		tree.Abandon()
		return it.Err()
	}
	if err := tree.Finish(ix.root); err != nil {
		return err
	}
	ix.entries, ix.written = entries, true
	return nil
}

// bulkSeq is an AUTOINCREMENT counter the builder's rows raise.
type bulkSeq struct {
	table string
	seq   int64
}
