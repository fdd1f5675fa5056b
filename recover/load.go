package recover

import (
	"bytes"
	"context"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// loadNamed loads the rows of every tree sqlite_master or a metadata
// backup names, in census order.
func (r *repairer) loadNamed(ctx context.Context) error {
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		d, ok := r.decideNamed(ct)
		if !ok {
			continue
		}
		if d.t != nil {
			d.t.rep.WalkErrors += r.treeErrors(ct)
		}
		if err := r.loadTree(ctx, ct, d); err != nil {
			return err
		}
	}
	return nil
}

// loadOrphans decides and loads every orphan tree. It runs after the
// named trees, so that shape decisions know which keys the tables hold.
func (r *repairer) loadOrphans(ctx context.Context) error {
	for _, ct := range r.cen.Trees {
		if ct.From != census.FromOrphan {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.loadTree(ctx, ct, r.decideOrphan(ct)); err != nil {
			return err
		}
		if lt := r.lost[lostKey{tree: ct.Index}]; lt != nil {
			lt.rep.Pages = len(lt.pages)
		}
	}
	return nil
}

// loadTree walks census tree ct, decides each leaf against d and places
// its entries. Pages of a dropped index are only counted.
func (r *repairer) loadTree(ctx context.Context, ct *census.Tree, d destination) error {
	if ct.Walk == nil {
		return nil
	}
	r.progressPages(len(ct.Walk.Pages) + len(ct.Walk.Overflow))
	if d.drop {
		return nil
	}
	o := origin{key: lostKey{tree: ct.Index}, root: ct.Root, table: !ct.IndexTree, rd: r.rd}
	pageDest := map[uint32]destination{}
	carveOnly := map[uint32]bool{}
	wal := r.f.WAL
	var werr error
	// Entries come page by page: the page's decisions are looked up once.
	var lastPgno, leafPgno uint32
	var lastDest, leafDest destination
	var lastCarveOnly bool
	_, err := r.cen.Walk(ct.Index, btree.WalkOptions{
		OnPage: func(p *btree.Page) {
			pd := d
			if p.Type.Leaf() {
				crc := r.cen.Page(p.Pgno).CRC // the census's, of the same image
				pd = r.decidePage(p, d, crc)
				pd.suspect = r.changedSinceCurrent(p.Pgno, crc) || r.stale[p.Pgno]
				if sp, err := p.Space(); err != nil && pd.t != nil && !pd.alone {
					pd.t.spaceErrors = append(pd.t.spaceErrors, err)
					switch {
					case pointersDamaged(p):
						// Pointers SQLite never wrote: what they land on
						// is no cell, or a piece of one. Carving finds
						// the cells, using the pointers that still fit.
						r.damagedLeaves[p.Pgno] = &damagedLeaf{tree: ct, dest: pd, seen: map[int]bool{}}
						carveOnly[p.Pgno] = true
					case len(sp.BadCells) > 0:
						// Some cells did not read: carving may find them.
						r.damagedLeaves[p.Pgno] = &damagedLeaf{tree: ct, dest: pd, seen: cellOffsets(p)}
					}
				}
			}
			if pd.rank == rankWalked && wal != nil && wal.Has(p.Pgno) {
				pd.rank = rankWAL
			}
			if pd.alone {
				r.alone = append(r.alone, aloneLeaf{pgno: p.Pgno, not: pd.t, tree: ct})
				pd.t.incomplete = true
			}
			if p.Type.Leaf() {
				// A leaf's entries follow at once: no need to look it up.
				leafPgno, leafDest = p.Pgno, pd
			} else {
				pageDest[p.Pgno] = pd // an index's interior entries come after its children
			}
		},
		OnEntry: func(e *btree.Entry) error {
			if e.Pgno != lastPgno {
				lastPgno, lastDest, lastCarveOnly = e.Pgno, pageDest[e.Pgno], carveOnly[e.Pgno]
				if e.Pgno == leafPgno {
					lastDest = leafDest
				}
			}
			if lastDest.alone || lastCarveOnly {
				return nil
			}
			if kept, err := r.keepStored(o, e, lastDest); kept || err != nil {
				werr = err
				return werr
			}
			// place may keep the entry (a row SQLite may yet refuse goes
			// to lost_and_found): the walk reuses it and its page.
			own := *e
			own.Payload = bytes.Clone(e.Payload)
			werr = r.place(ctx, o, &own, lastDest)
			return werr
		},
		Reuse: true,
	})
	if err != nil {
		return err
	}
	return werr
}

// treeErrors notes the damage a tree's walk met and returns its count.
func (r *repairer) treeErrors(ct *census.Tree) int {
	var errs []error
	if ct.Err != nil {
		errs = append(errs, ct.Err)
	}
	if ct.Walk != nil {
		errs = append(errs, ct.Walk.Errors...)
	}
	r.noteDamage(errs)
	return len(errs)
}

// noteDamage keeps the first problems met for the report.
func (r *repairer) noteDamage(errs []error) {
	r.rep.DamageCount += len(errs)
	for _, e := range errs {
		if len(r.rep.Damage) < maxListed {
			r.rep.Damage = append(r.rep.Damage, e.Error())
		}
	}
}

// readSequences reads the damaged file's sqlite_sequence rows; the larger
// of them and the metadata backups' counters wins.
func (r *repairer) readSequences() {
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan || !strings.EqualFold(ct.Name, "sqlite_sequence") || ct.Walk == nil {
			continue
		}
		_, _ = r.cen.Walk(ct.Index, btree.WalkOptions{OnEntry: func(e *btree.Entry) error {
			vals, err := r.rd.Record(e.Payload)
			if err == nil && len(vals) >= 2 {
				name, _ := vals[0].(string)
				seq, _ := vals[1].(int64)
				if name != "" && seq > r.plan.seqs[name] {
					r.plan.seqs[name] = seq
				}
			}
			return nil
		}})
	}
}

// markIncomplete sets incomplete on every table known to have lost pages,
// so that orphans may be given to it by shape: its tree was not found,
// its walk met damage, or pages its tree pointed at are destroyed.
func (r *repairer) markIncomplete() {
	found := map[*table]bool{}
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan {
			continue
		}
		t := r.plan.byName[strings.ToLower(ct.Name)]
		if t == nil || ct.Walk == nil {
			continue
		}
		found[t] = true
		if len(ct.Walk.Errors) > 0 {
			t.incomplete = true
		}
	}
	for _, p := range r.cen.Pages {
		if p.Class.Lost() && p.Tree >= 0 {
			if t := r.plan.byName[strings.ToLower(r.cen.Trees[p.Tree].Name)]; t != nil {
				t.incomplete = true
			}
		}
	}
	for _, t := range r.plan.tables {
		if !t.Virtual && !found[t] {
			t.incomplete = true
		}
	}
}

func (r *repairer) progressPages(n int) {
	r.walked += n
	if r.opts.Progress != nil {
		r.opts.Progress(PhaseRows, r.walked, len(r.cen.Pages))
	}
}

// aloneLeaf is a leaf set aside by decidePage: it does not fit the table
// whose tree reached it.
type aloneLeaf struct {
	pgno uint32
	not  *table
	tree *census.Tree
}

// loadAlone decides and loads the leaves set aside while the named trees
// were loaded, each on its own.
func (r *repairer) loadAlone(ctx context.Context) error {
	for _, a := range r.alone {
		p, err := r.rd.Page(a.pgno)
		if err != nil {
			continue // read once already; the source changed
		}
		d := r.decideLeaf(p, a.not)
		o := origin{key: lostKey{tree: a.tree.Index}, root: a.tree.Root, table: p.Type.Table(), rd: r.rd}
		for i := 0; i < p.CellCount; i++ {
			c, err := p.Cell(i)
			if err != nil {
				continue
			}
			payload, chain, perr := r.rd.Payload(c)
			e := &btree.Entry{Pgno: a.pgno, Cell: i, Rowid: c.Rowid, Payload: payload, Overflow: chain, PayloadErr: perr}
			if err := r.place(ctx, o, e, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// cellOffsets lists the offsets of the cells of p that read through their
// pointers.
func cellOffsets(p *btree.Page) map[int]bool {
	out := map[int]bool{}
	for i := 0; i < p.CellCount; i++ {
		if c, err := p.Cell(i); err == nil {
			out[c.Offset] = true
		}
	}
	return out
}
