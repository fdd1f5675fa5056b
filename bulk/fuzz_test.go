package bulk_test

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/bulk"
)

// FuzzBuild draws rows from the input (values of every storage class,
// text and blobs cut from the input's bytes, sizes that spill), builds a
// table and an index over it with the builder, through the sorter, and
// requires that SQLite reads every row back exactly, passes
// integrity_check, and holds the index entries SQLite's own CREATE INDEX
// writes, in the same order.
func FuzzBuild(f *testing.F) {
	f.Add(uint64(1), uint16(40), uint8(0), []byte("seed text with NUL \x00 and é"))
	f.Add(uint64(7), uint16(300), uint8(1), []byte{0, 1, 2, 255, 'a', 'A', ' '})
	f.Add(uint64(9), uint16(3), uint8(5), []byte{})
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, sel uint8, data []byte) {
		g := geometries[int(sel)%len(geometries)]
		ic := indexCases[int(sel/8)%len(indexCases)]
		rng := rand.New(rand.NewPCG(seed, uint64(len(data))))
		rows := fuzzRows(rng, int(n%200), data, g.pageSize)
		if ic.unique > 0 {
			for i := range rows {
				rows[i].vals[1] = int64(i) // unique, as the index demands
			}
		}
		want, built, order, rc := ic.databases(t, g, rows)
		// Through the external sorter, with a budget small enough to spill.
		s := bulk.NewSorter(order.Compare, t.TempDir(), &bulk.Budget{Limit: 64 << 10})
		s.UsePrefix(order.Prefix)
		defer s.Close()
		for _, e := range entriesOf(t, rows, rc, g.encoding) {
			if err := s.Add(e); err != nil {
				t.Fatal(err)
			}
		}
		it, err := s.Sort()
		if err != nil {
			t.Fatal(err)
		}
		var entries [][]byte
		for it.Next() {
			entries = append(entries, append([]byte(nil), it.Item()...))
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
		fillIndex(t, built, "ix", order, entries)

		if got := integrity(t, built); got != "ok" {
			t.Fatalf("integrity_check: %s", got)
		}
		q := "SELECT rowid, * FROM t ORDER BY rowid"
		if diff := cmp.Diff(query(t, want, q), query(t, built, q)); diff != "" {
			t.Fatalf("rows (-SQLite +built):\n%s", diff)
		}
		if diff := cmp.Diff(payloads(t, want, roots(t, want)["ix"]), payloads(t, built, roots(t, built)["ix"])); diff != "" {
			t.Fatalf("index entries (-SQLite +built):\n%s", diff)
		}
	})
}

// fuzzRows draws rows whose text and blobs are cut from data, so that the
// fuzzer steers their bytes; rowids climb with gaps and jumps.
func fuzzRows(rng *rand.Rand, n int, data []byte, pageSize int) []row {
	cut := func() []byte {
		if len(data) == 0 {
			return nil
		}
		i := rng.IntN(len(data))
		return data[i : i+rng.IntN(len(data)-i+1)]
	}
	var out []row
	id := int64(binary.BigEndian.Uint16(append(cut(), 0, 0))) - 1000
	for i := 0; i < n; i++ {
		id += 1 + int64(rng.IntN(2))
		vals := make([]any, 4)
		for j := range vals {
			switch rng.IntN(6) {
			case 0:
				vals[j] = string(cut()) // any bytes: SQLite keeps them as given in UTF-8
			case 1:
				vals[j] = append([]byte{}, cut()...)
			case 2:
				if rng.IntN(4) != 0 {
					vals[j] = int64(rng.IntN(5))
					continue
				}
				big := make([]byte, rng.IntN(3*pageSize))
				copy(big, cut())
				vals[j] = big
			default:
				vals[j] = randomValue(rng, 40)
			}
		}
		out = append(out, row{id, vals})
	}
	return out
}
