package recover

import (
	"context"
	"errors"

	"github.com/dbrescue/dbrescue/btree"
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
	cols, args, ok := rowColumns(&t.info, e.Rowid, vals)
	if !ok {
		return r.toLostAndFound(ctx, t.Root, kindOf(t), e, vals)
	}
	write, replace := t.keys.offer(e.Rowid, key, t.info.WithoutRowid, rk)
	if !write {
		t.rep.Duplicates++
		return nil
	}
	if err := r.out.insert(ctx, t.Name, cols, args, replace); err != nil {
		if r.out.tx == nil {
			return err
		}
		t.rep.Rejected++
		return r.toLostAndFound(ctx, t.Root, kindOf(t), e, vals)
	}
	if replace {
		t.rep.Duplicates++
	} else {
		t.rep.RowsWritten++
	}
	switch rk {
	case rankWalked, rankWAL:
		t.rep.FromWalk++
	case rankCRC:
		t.rep.FromCRC++
	default:
		t.rep.FromOrphans++
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
