package recover

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/sqlident"
	"github.com/dbrescue/dbrescue/master"
)

// DeletedReport is one table's deleted rows brought back with
// Options.Deleted: kept apart from its live rows, in a table of their own.
type DeletedReport struct {
	Table string `json:"table"`
	Into  string `json:"into"` // the dbrescue_deleted_... table holding them
	Rows  int    `json:"rows"`
	// Where the rows were found: freeblocks of the table's leaves (cells
	// deleted), their unallocated space (cells moved when SQLite
	// defragmented a page, old versions included), free pages that were
	// the table's leaves.
	FromFreeblocks  int `json:"from_freeblocks"`
	FromUnallocated int `json:"from_unallocated"`
	FromFreelist    int `json:"from_freelist"`
}

// Where a deleted row was found.
const (
	FoundFreeblock   = btree.AreaFreeblock
	FoundUnallocated = btree.AreaUnallocated
	FoundFreelist    = "freelist"
)

// deletedTable collects one table's deleted rows.
type deletedTable struct {
	t    *table
	name string
	rep  *DeletedReport
	seen map[string]bool // records written, so that a copy found twice counts once
}

// undelete brings back, when asked, the rows deleted from each recreated
// table: records in the free space of its leaves, and every row of free
// pages whose records fit it and no other table. They go to a table named
// dbrescue_deleted_<table> (the table's columns, then page, offset and
// found), never among the live rows, and are counted apart.
func (r *repairer) undelete(ctx context.Context) error {
	if !r.opts.Deleted {
		return nil
	}
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan || ct.Walk == nil || ct.IndexTree {
			continue
		}
		t := r.plan.byName[strings.ToLower(ct.Name)]
		if t == nil || !t.created || t.Virtual || t.shadow || t.info.WithoutRowid {
			continue
		}
		for _, v := range ct.Walk.Pages {
			if !v.Type.Leaf() || int(r.cen.Page(v.Pgno).Tree) != ct.Index {
				continue
			}
			if err := r.undeletePage(ctx, t, v.Pgno, false); err != nil {
				return err
			}
		}
	}
	for i, p := range r.cen.Pages {
		if p.Class != census.FreelistLeaf {
			continue
		}
		bp, err := r.rd.Page(uint32(i + 1))
		if err != nil || bp.Type != btree.TableLeaf {
			continue
		}
		if t := r.soleFit(bp); t != nil {
			if err := r.undeletePage(ctx, t, bp.Pgno, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// soleFit is the one rowid table nearly all of a free page's records fit.
func (r *repairer) soleFit(p *btree.Page) *table {
	var found *table
	for _, t := range r.plan.tables {
		if !t.created || t.Virtual || t.shadow || t.info.WithoutRowid || t.fitShare(p) < shapeFit {
			continue
		}
		if found != nil {
			return nil
		}
		found = t
	}
	return found
}

// undeletePage writes the deleted rows found on one page of t: all its
// cells when the page is free, else those of its free space.
func (r *repairer) undeletePage(ctx context.Context, t *table, pgno uint32, free bool) error {
	p, err := r.rd.Page(pgno)
	if err != nil {
		return nil
	}
	valid := func(rec []byte) bool {
		vals, err := r.rd.Record(rec)
		return err == nil && len(vals) == len(t.info.RecordOrder) && aliasSlotNull(&t.info, vals) && t.fits(typesOf(vals))
	}
	var found []btree.DeletedRecord
	if free {
		for i := 0; i < p.CellCount; i++ {
			if c, err := p.Cell(i); err == nil && c.Overflow == 0 && valid(c.Local) {
				found = append(found, btree.DeletedRecord{Offset: c.Offset, Record: c.Local, Rowid: c.Rowid, HasRowid: true, Area: FoundFreelist})
			}
		}
	}
	found = append(found, btree.DeletedShaped(p, btree.Shape{Fields: len(t.info.RecordOrder), Lost: lostTypes(&t.info), Valid: valid})...)
	for _, d := range btree.Unallocated(p) {
		if valid(d.Record) {
			found = append(found, d)
		}
	}
	for _, d := range found {
		if err := r.writeDeleted(ctx, t, pgno, d); err != nil {
			return err
		}
	}
	return nil
}

// lostTypes guesses the serial type of a leading field whose type byte a
// freeblock header overwrote: NULL for the INTEGER PRIMARY KEY, which is
// always stored so; a number, or a short text, by the column's affinity.
func lostTypes(t *master.Table) func(int) []uint64 {
	return func(i int) []uint64 {
		if i >= len(t.RecordOrder) {
			return nil
		}
		ci := t.RecordOrder[i]
		if ci == t.RowidAlias {
			return []uint64{0}
		}
		out := []uint64{0}
		switch t.Columns[ci].Affinity {
		case master.AffinityInteger, master.AffinityNumeric, master.AffinityReal:
			out = append(out, 1, 2, 3, 4, 5, 6, 7, 8, 9)
		case master.AffinityText:
			for st := uint64(13); st < 0x80; st += 2 {
				out = append(out, st)
			}
		}
		return out
	}
}

// writeDeleted writes one deleted record to t's deleted table.
func (r *repairer) writeDeleted(ctx context.Context, t *table, pgno uint32, d btree.DeletedRecord) error {
	dt, err := r.deletedTableOf(ctx, t)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%d\x00%x", d.Rowid, d.Record)
	if dt.seen[key] {
		return nil
	}
	dt.seen[key] = true
	vals, err := r.rd.Record(d.Record)
	if err != nil {
		return nil
	}
	sh := t.shapeFor(len(vals))
	if !sh.ok {
		return nil
	}
	var rowid any
	if d.HasRowid {
		rowid = d.Rowid
	}
	cols := []string{"dbrescue_page", "dbrescue_offset", "dbrescue_found", "dbrescue_rowid"}
	args := []any{pgno, d.Offset, d.Area, rowid}
	for i, c := range sh.cols {
		if c == "rowid" {
			continue // the rowid is dbrescue_rowid, known or not
		}
		v := any(nil)
		if f := sh.from[i]; f >= 0 {
			v = vals[f]
		} else if d.HasRowid {
			v = d.Rowid
		}
		cols, args = append(cols, c), append(args, v)
	}
	if err := r.out.insert(ctx, dt.name, cols, args, false, nil); err != nil {
		return err
	}
	dt.rep.Rows++
	switch d.Area {
	case FoundFreeblock:
		dt.rep.FromFreeblocks++
	case FoundUnallocated:
		dt.rep.FromUnallocated++
	default:
		dt.rep.FromFreelist++
	}
	return nil
}

// deletedTableOf returns (creating it) the table holding t's deleted rows:
// t's columns, without constraints, with the provenance columns first.
func (r *repairer) deletedTableOf(ctx context.Context, t *table) (*deletedTable, error) {
	if dt := r.deleted[t]; dt != nil {
		return dt, nil
	}
	name := "dbrescue_deleted_" + t.Name
	for n := 2; r.nameTaken(name) || r.deletedNames[strings.ToLower(name)]; n++ {
		name = fmt.Sprintf("dbrescue_deleted_%s_%d", t.Name, n)
	}
	defs := []string{"dbrescue_page INTEGER", "dbrescue_offset INTEGER", "dbrescue_found TEXT", "dbrescue_rowid INTEGER"}
	for _, ci := range t.info.RecordOrder {
		c := t.info.Columns[ci]
		defs = append(defs, sqlident.Quote(c.Name)+" "+c.DeclType)
	}
	if err := r.out.trustedExec(ctx, fmt.Sprintf("CREATE TABLE %s(%s)", sqlident.Quote(name), strings.Join(defs, ", "))); err != nil {
		return nil, err
	}
	dt := &deletedTable{t: t, name: name, rep: &DeletedReport{Table: t.Name, Into: name}, seen: map[string]bool{}}
	r.deleted[t] = dt
	r.deletedNames[strings.ToLower(name)] = true
	r.deletedOrder = append(r.deletedOrder, dt)
	return dt, nil
}

// deletedReports lists what undelete brought back, in table order.
func (r *repairer) deletedReports() []DeletedReport {
	var out []DeletedReport
	for _, dt := range r.deletedOrder {
		out = append(out, *dt.rep)
	}
	return slices.Clip(out)
}
