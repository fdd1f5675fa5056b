package recover

import (
	"context"
	"errors"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// loadTable walks t from its root and writes its rows.
func (r *repairer) loadTable(ctx context.Context, t *table) error {
	if t.Virtual || t.Root == 0 || t.info.Name == "" {
		return nil
	}
	var werr error
	res, err := r.rd.Walk(t.Root, func(e *btree.Entry) error {
		rk := rankWalked
		if r.inWAL(e.Pgno) {
			rk = rankWAL
		}
		werr = r.place(ctx, t, e, rk)
		return werr
	})
	if err != nil {
		return err
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
	vals, derr := r.rd.Record(e.Payload)
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
