package bulk_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/bulk"
	"github.com/dbrescue/dbrescue/pagefile"
)

// prefixValues are values at the edges of the prefix's exactness: integers
// around 2^53 and the reals near them, -0, NUL bytes, shared prefixes.
var prefixValues = []any{nil, int64(0), math.Copysign(0, -1), 0.5, int64(1<<53 - 1), int64(1 << 53), int64(1<<53 + 1), float64(1 << 53),
	int64(math.MaxInt64), int64(math.MinInt64), math.Inf(1), math.Inf(-1), math.NaN(), "", "a", "a\x00", "a\x00b", "a\x01",
	"A", "ab ", "ab", "abcdefghijklmnop", "abcdefghijklmnoq", []byte{}, []byte{0}, []byte{0, 0xff}, []byte("abcdefghijklmnopqrst")}

func pickValue(rng *rand.Rand) any {
	if rng.IntN(3) == 0 {
		return randomValue(rng, 40)
	}
	return prefixValues[rng.IntN(len(prefixValues))]
}

// checkPrefix fails unless the prefixes of a and b order them as Compare
// does wherever they differ.
func checkPrefix(t *testing.T, o *bulk.Order, a, b []byte) {
	t.Helper()
	ah, al := o.Prefix(a)
	bh, bl := o.Prefix(b)
	c := o.Compare(a, b)
	less := ah < bh || (ah == bh && al < bl)
	more := ah > bh || (ah == bh && al > bl)
	if (less && c >= 0) || (more && c <= 0) {
		t.Fatalf("%v: prefixes %x %x / %x %x, Compare %d for\n%x\n%x", o, ah, al, bh, bl, c, a, b)
	}
}

// TestPrefixOrdersAsCompare draws records of two or three fields under
// every collation, ascending and descending, in every encoding, and
// checks the prefix never contradicts Compare.
func TestPrefixOrdersAsCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		enc := uint32(1 + rng.IntN(3))
		width := 1 + rng.IntN(3)
		o := &bulk.Order{Encoding: enc}
		for j := 0; j < width; j++ {
			o.Fields = append(o.Fields, bulk.Field{Coll: bulk.Collation(rng.IntN(3)), Desc: rng.IntN(2) == 0})
		}
		rec := func() []byte {
			vals := make([]any, width)
			for j := range vals {
				vals[j] = pickValue(rng)
			}
			b, err := btree.AppendRecord(nil, vals, enc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		checkPrefix(t, o, rec(), rec())
	}
}

// FuzzPrefix checks the same on arbitrary bytes as records, damaged ones
// included.
func FuzzPrefix(f *testing.F) {
	for _, v := range prefixValues {
		b, _ := btree.AppendRecord(nil, []any{v, int64(1)}, pagefile.EncodingUTF8)
		f.Add(b, b[:len(b)/2], uint8(0))
	}
	f.Fuzz(func(t *testing.T, a, b []byte, mode uint8) {
		o := &bulk.Order{Encoding: uint32(mode%3) + 1,
			Fields: []bulk.Field{{Coll: bulk.Collation(mode / 3 % 3), Desc: mode&64 != 0}, {Desc: mode&128 != 0}}}
		checkPrefix(t, o, a, b)
	})
}
