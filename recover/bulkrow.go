package recover

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// This file decides whether SQLite would store a row's values as they
// are. Only then does the builder write the row: what it stores must be
// what an INSERT stores. When in doubt, the row is odd and SQLite decides.

// accepts reports whether an INSERT stores v in a column of this rule
// unchanged: it neither converts it (column affinity) nor refuses it.
func (c colRule) accepts(v any) bool {
	switch v := v.(type) {
	case nil:
		return !c.notNull
	case int64:
		switch c.aff {
		case master.AffinityText:
			return false // stored as text
		case master.AffinityReal:
			// Kept an integer on disk when it fits 6 bytes; a wider one
			// SQLite stores as a real.
			return btree.IntSerialType(v) != 6
		}
		return true
	case float64:
		switch {
		case math.IsNaN(v):
			return !c.notNull // SQLite binds a NaN as NULL, as appendRecord does
		case c.aff == master.AffinityText:
			return false
		case c.aff == master.AffinityBlob:
			return true
		}
		// A numeric affinity turns an integral real into an integer.
		return v != math.Trunc(v) || math.Abs(v) >= 1<<63
	case string:
		if len(v) > maxSQLiteLength {
			return false
		}
		if c.aff == master.AffinityText || c.aff == master.AffinityBlob {
			return true
		}
		// A numeric affinity turns text that reads as a number into one;
		// text without a digit never does.
		return !strings.ContainsAny(v, "0123456789")
	case []byte:
		if v == nil {
			return !c.notNull // bound as NULL
		}
		return len(v) <= maxSQLiteLength
	}
	return false
}

// columnDefault is the value a record too short to hold column c reads
// as, when that is a literal the builder can encode: no DEFAULT (NULL), or
// NULL, TRUE, FALSE, an integer, a string or a blob literal. ok is false
// for anything else (an expression, CURRENT_TIME, a real): a short record
// of such a table is odd.
func columnDefault(c master.Column) (v any, ok bool) {
	if !c.HasDefault {
		return nil, true
	}
	d := strings.TrimSpace(c.Default)
	switch strings.ToUpper(d) {
	case "NULL":
		return nil, true
	case "TRUE":
		return int64(1), true
	case "FALSE":
		return int64(0), true
	}
	if n, err := strconv.ParseInt(d, 10, 64); err == nil {
		return n, true
	}
	if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
		inner := d[1 : len(d)-1]
		if strings.Count(inner, "'") == 2*strings.Count(inner, "''") {
			return strings.ReplaceAll(inner, "''", "'"), true
		}
	}
	if len(d) >= 3 && (d[0] == 'x' || d[0] == 'X') && d[1] == '\'' && d[len(d)-1] == '\'' {
		hex := d[2 : len(d)-1]
		if b, ok := decodeHex(hex); ok {
			return b, true
		}
	}
	return nil, false
}

func decodeHex(s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return nil, false
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, false
		}
		out[i] = byte(v)
	}
	return out, true
}

// normalize turns a value the INSERT path passes into one of the types a
// record holds, as database/sql converts arguments; ok is false for a type
// the builder does not know.
func normalize(v any) (any, bool) {
	switch v := v.(type) {
	case nil, int64, float64, string, []byte:
		return v, true
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case uint32:
		return int64(v), true
	case bool:
		if v {
			return int64(1), true
		}
		return int64(0), true
	}
	return nil, false
}

// appendRecord encodes a row's values as SQLite would store them.
func appendRecord(dst []byte, vals []any, enc uint32) ([]byte, error) {
	return btree.AppendRecord(dst, vals, enc)
}

// bulkLost starts keeping the rows of a lost_and_found table: its rowids
// are SQLite's for rows inserted without one, 1, 2, 3, ...
func (r *repairer) bulkLost(_ context.Context, lt *lostTable) (*bulkTable, error) {
	if r.bulk == nil {
		return nil, nil
	}
	bt := &bulkTable{name: lt.name, lost: lt, path: PathBulk, nextRowid: 1}
	for _, col := range strings.Split(lostColumns, ", ") {
		_, decl, _ := strings.Cut(col, " ")
		bt.rules = append(bt.rules, colRule{aff: master.AffinityOf(decl)})
	}
	r.bulk.add(bt)
	lt.rep.Path = PathBulk
	return bt, nil
}

// keepLost keeps one lost_and_found row: its values are the columns in
// table order.
func (bt *bulkTable) keepLost(ctx context.Context, r *repairer, vals []any) (bool, error) {
	rec := bt.rec[:0]
	for i, v := range vals {
		nv, ok := normalize(v)
		rule := colRule{aff: master.AffinityBlob} // c0, c1, ...: untyped
		if i < len(bt.rules) {
			rule = bt.rules[i]
		}
		if !ok || !rule.accepts(nv) {
			return false, r.bulkAbandon(ctx, bt, "a value SQLite would change")
		}
		rec = append(rec, nv)
	}
	bt.rec = rec
	bt.seq++
	item, err := appendRecord(appendRowItemHead(bt.item[:0], bt.nextRowid, bt.seq, itemRow), rec, r.bulk.enc)
	if err != nil || len(item)-rowidHead > maxSQLiteLength {
		return false, r.bulkAbandon(ctx, bt, "a row SQLite would refuse")
	}
	bt.item = item
	bt.nextRowid++
	return true, bt.sorter.Add(item)
}
