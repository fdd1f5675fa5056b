package recover

import (
	"math"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
)

// recordHashSeeds are records of every serial type: integers of each
// width, reals integral or not, text and blobs, a damaged header, a cut
// value, an empty record.
func recordHashSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, vals := range [][]any{
		{nil, int64(0), int64(1), int64(-200), int64(1 << 40), int64(math.MinInt64)},
		{3.0, math.Copysign(0, -1), 2.5, math.Inf(1), 1e300, float64(1 << 62)},
		{"", "héllo", []byte{}, []byte{1, 2}, "𝄞"},
	} {
		rec, err := btree.AppendRecord(nil, vals, 1)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec, rec[:len(rec)-1])
	}
	return append(out, []byte{}, []byte{1}, []byte{2, 10}, []byte{3, 0x81})
}

// FuzzRecordHash checks that the streaming hash equals hashing the decoded
// values, and fails exactly where decoding fails, in every encoding.
func FuzzRecordHash(f *testing.F) {
	for _, s := range recordHashSeeds(f) {
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, payload []byte, enc uint8) {
		e := uint32(enc%3) + 1
		vals, err := btree.DecodeRecord(payload, e)
		wantOK := err == nil && len(vals) > 0
		got, ok := recordHash(payload, e)
		if ok != wantOK {
			t.Fatalf("recordHash ok %v, DecodeRecord %v with %d values", ok, err, len(vals))
		}
		if ok && got != hashValues(vals) {
			t.Fatalf("recordHash %x, hashValues %x for %v", got, hashValues(vals), vals)
		}
	})
}
