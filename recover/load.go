package recover

import (
	"context"
	"errors"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// loadTable walks t from its root and writes its rows. A leaf the walk
// reaches that is not t's (the metadata backup lists it under another
// table, or its records do not fit t: a page swapped or written to the
// wrong place) is skipped and left unreached, so the orphan scan gives its
// rows to their own table.
func (r *repairer) loadTable(ctx context.Context, t *table) error {
	if t.Virtual || t.Root == 0 || t.info.Name == "" {
		return nil
	}
	foreign := map[uint32]bool{}
	var werr error
	res, err := r.rd.WalkTree(t.Root, btree.WalkOptions{
		OnPage: func(p *btree.Page) {
			if p.Type.Leaf() && !r.belongs(t, p) {
				foreign[p.Pgno] = true
			}
		},
		OnEntry: func(e *btree.Entry) error {
			if foreign[e.Pgno] {
				return nil
			}
			rk := rankWalked
			if r.inWAL(e.Pgno) {
				rk = rankWAL
			}
			werr = r.place(ctx, t, e, rk)
			return werr
		},
	})
	if err != nil {
		return err
	}
	for i, v := range res.Pages {
		if foreign[v.Pgno] {
			res.Pages[i].Pgno = 0 // not t's: leave it to the orphan scan
			r.noteDamage([]error{fmt.Errorf("page %d, reached from %s's root, holds rows of another table", v.Pgno, t.Name)})
		}
	}
	r.markWalk(res)
	t.rep.WalkErrors = len(res.Errors)
	t.damaged = len(res.Errors) > 0
	r.noteDamage(res.Errors)
	return werr
}

// place decodes one entry of t's b-tree and writes it to t, or, when it
// cannot be a row of t, to the lost_and_found table of its tree. Only
// output errors are returned: a bad row is counted, not fatal.
func (r *repairer) place(ctx context.Context, t *table, e *btree.Entry, rk rank) error {
	return r.placeFrom(ctx, r.rd, t, e, rk)
}

// placeFrom is place for an entry read through rd (the damaged file's
// reader, or a backup's).
func (r *repairer) placeFrom(ctx context.Context, rd *btree.Reader, t *table, e *btree.Entry, rk rank) error {
	if rk != rankBackup && (e.PayloadErr != nil || r.zeroOverflow(e)) {
		if whole, ok := r.completeFromBackup(e); ok {
			completed := *e
			completed.Payload, completed.PayloadErr = whole, nil
			e = &completed
			t.rep.CompletedFromBackup++
		}
	}
	vals, derr := rd.Record(e.Payload)
	truncated := e.PayloadErr != nil || errors.Is(derr, btree.ErrTruncated)
	if derr != nil && !truncated {
		return r.toLostAndFound(ctx, t.Root, "table", e, vals)
	}
	key := ""
	if t.info.WithoutRowid {
		n := primaryKeyWidth(&t.info)
		if len(vals) < n {
			return r.toLostAndFound(ctx, t.Root, "index", e, vals)
		}
		key = encodeKey(vals[:n])
	}
	sh := t.shapeFor(len(vals))
	if !sh.ok || !aliasSlotNull(&t.info, vals) {
		return r.toLostAndFound(ctx, t.Root, kindOf(t), e, vals)
	}
	cols, args := sh.cols, sh.values(e.Rowid, vals)
	write, replace := t.keys.offer(e.Rowid, key, t.info.WithoutRowid, rk)
	if !write {
		t.rep.Duplicates++
		return nil
	}
	from := &t.rep.FromOrphans
	switch rk {
	case rankWalked, rankWAL:
		from = &t.rep.FromWalk
	case rankCRC:
		from = &t.rep.FromCRC
	case rankBackup:
		from = &t.rep.FromBackup
	}
	written := &t.rep.RowsWritten
	if replace {
		written = &t.rep.Duplicates
	}
	*from++
	*written++
	entry := *e // the walk reuses nothing, but the entry itself is the callback's
	reject := func() error {
		*from--
		*written--
		t.rep.Rejected++
		return r.toLostAndFound(ctx, t.Root, kindOf(t), &entry, vals)
	}
	if err := r.out.insert(ctx, t.Name, cols, args, replace, reject); err != nil {
		return err
	}
	if truncated {
		t.rep.Truncated++
		if len(t.rep.TruncatedKeys) < maxListed {
			t.rep.TruncatedKeys = append(t.rep.TruncatedKeys, e.Rowid)
		}
	}
	return nil
}

func kindOf(t *table) string {
	if t.info.WithoutRowid {
		return "index"
	}
	return "table"
}

// maxListed bounds the lists a report carries.
const maxListed = 20

// aliasSlotNull reports whether the record holds NULL where the INTEGER
// PRIMARY KEY sits, as every record of a table with one does.
func aliasSlotNull(t *master.Table, vals []any) bool {
	if t.RowidAlias < 0 {
		return true
	}
	for i, ci := range t.RecordOrder {
		if ci == t.RowidAlias {
			return i >= len(vals) || vals[i] == nil
		}
	}
	return true
}

// belongs decides whether a leaf reached from t's root holds t's rows. A
// page byte-identical (same CRC32C) to a leaf the metadata backup lists is
// that leaf's table's, wherever it now sits. Otherwise the records must
// fit t (see compatible): a page where fewer than half do is another
// table's.
func (r *repairer) belongs(t *table, p *btree.Page) bool {
	if owner, ok := r.crcOwner[master.PageCRC(p.Data)]; ok && owner != nil {
		return owner == t
	}
	fit, total := 0, 0
	for i := 0; i < p.CellCount; i++ {
		c, err := p.Cell(i)
		if err != nil {
			continue
		}
		types, _, err := btree.RecordHeader(c.Local)
		if err != nil {
			continue
		}
		total++
		if ok, _ := compatible(&t.info, types); ok {
			fit++
		}
	}
	return total == 0 || 2*fit >= total
}

// zeroOverflow reports, when a backup is at hand, whether one of the
// entry's overflow pages is all zeros: a destroyed page at the end of a
// chain reads as valid data, so this is the only sign of it.
func (r *repairer) zeroOverflow(e *btree.Entry) bool {
	if r.opts.Backup == nil || len(e.Overflow) == 0 {
		return false
	}
	buf := make([]byte, r.f.Geometry.PageSize)
	for _, pg := range e.Overflow {
		if r.f.ReadPage(pg, buf) == nil && allZero(buf) {
			return true
		}
	}
	return false
}
