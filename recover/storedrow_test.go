package recover

import (
	"math"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// TestAcceptsStoredAgreesWithAccepts holds keepStored's test of a stored
// value to the INSERT path's test of the decoded value, for every
// affinity, with and without NOT NULL, over values at every serial type's
// edges. (A NaN is never in a canonical record, so it is left out.)
func TestAcceptsStoredAgreesWithAccepts(t *testing.T) {
	values := []any{nil, int64(0), int64(1), int64(-1), int64(127), int64(-129), int64(32768),
		int64(1 << 40), int64(-(1 << 47)), int64(1 << 47), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, math.Copysign(0, -1), 1.5, -2.0, 3.0, 1e300, math.Inf(1), math.Inf(-1), 9.3e18, -9.3e18,
		"", "text", "12", "a1", " 7 ", "é", strings.Repeat("x", 300),
		[]byte{}, []byte{0}, []byte("123")}
	affinities := []master.Affinity{master.AffinityText, master.AffinityNumeric, master.AffinityInteger, master.AffinityReal, master.AffinityBlob}
	for _, aff := range affinities {
		for _, notNull := range []bool{false, true} {
			c := colRule{aff: aff, notNull: notNull}
			for _, v := range values {
				rec, err := btree.AppendRecord(nil, []any{v}, pagefile.EncodingUTF8)
				if err != nil {
					t.Fatal(err)
				}
				types, h, ok := btree.CanonicalRecord(nil, rec, pagefile.EncodingUTF8)
				if !ok || len(types) != 1 {
					t.Fatalf("%#v: record %x is not canonical", v, rec)
				}
				decoded, err := btree.DecodeRecord(rec, pagefile.EncodingUTF8)
				if err != nil {
					t.Fatal(err)
				}
				want := c.accepts(decoded[0])
				if got := c.acceptsStored(types[0], rec[h:]); got != want {
					t.Errorf("affinity %v, not null %v, value %#v (serial type %d): stored %v, decoded %v", aff, notNull, v, types[0], got, want)
				}
			}
			alias := colRule{aff: aff, alias: true}
			if !alias.acceptsStored(0, nil) || alias.acceptsStored(1, []byte{5}) {
				t.Errorf("affinity %v: the INTEGER PRIMARY KEY slot must hold NULL and only NULL", aff)
			}
		}
	}
}
