package recover

import (
	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// SQLite lets any value into a column of a table that is not STRICT, so
// a record "fits" a table whose columns it merely does not contradict.
// Apps store what they declare, though: numbers in INTEGER columns, text
// in TEXT ones. A page of one table that another table's tree reaches (a
// swapped or misdirected write) fits the wrong table loosely and its own
// closely; agreement tells the two apart.

// agreement is the share of the typed values on page p (numbers or text,
// in columns of INTEGER or TEXT affinity) whose storage class is the one
// their column declares. ok is false when the page has no such value.
func (t *table) agreement(p *btree.Page) (share float64, ok bool) {
	_, share, ok = t.judge(p)
	return share, ok
}

// judge reads p's record headers once for both questions decidePage asks
// of every leaf: the share of records that fit t (fitShare) and how well
// their values agree with t's declared types (agreement).
func (t *table) judge(p *btree.Page) (fit, agreeShare float64, typedOK bool) {
	agree, typed, fits, total := 0, 0, 0, 0
	recordTypes(p, func(types []uint64) {
		total++
		if t.fits(types) {
			fits++
		}
		for j, st := range types {
			if j >= len(t.info.RecordOrder) {
				break
			}
			isNum := st >= 1 && st <= 9
			isText := st >= 13 && st%2 == 1
			switch t.info.Columns[t.info.RecordOrder[j]].Affinity {
			case master.AffinityInteger:
				if isNum || isText {
					typed++
					if isNum {
						agree++
					}
				}
			case master.AffinityText:
				if isText || st >= 12 && st%2 == 0 {
					typed++
					if isText {
						agree++
					}
				}
			}
		}
	})
	fit = 1
	if total > 0 {
		fit = float64(fits) / float64(total)
	}
	if typed == 0 {
		return fit, 0, false
	}
	return fit, float64(agree) / float64(typed), true
}

// belongsElsewhere reports whether a leaf that t's tree reached agrees
// poorly with t's declared types (share, typed: t.agreement's answer;
// under half its typed values) while
// another table's records fit it whole and agree with nearly all of
// them: the page is that table's, put where t's tree points.
func (r *repairer) belongsElsewhere(p *btree.Page, t *table, share float64, typed bool) bool {
	if !typed || share >= 0.5 {
		return false
	}
	for _, u := range r.plan.tables {
		if u == t || !u.created || u.Virtual || u.info.WithoutRowid != t.info.WithoutRowid {
			continue
		}
		if share, ok := u.agreement(p); ok && share >= 0.9 && u.fitShare(p) >= shapeFit {
			return true
		}
	}
	return false
}
