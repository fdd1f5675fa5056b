package bulk_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/bulk"
)

// byKey compares items on their first 4 bytes only, so that items with
// equal keys show whether the sort keeps them in the order they came.
func byKey(a, b []byte) int { return bytes.Compare(a[:4], b[:4]) }

func sortItems(t *testing.T, items [][]byte, limit int64) (sorted []string, runs int) {
	t.Helper()
	s := bulk.NewSorter(byKey, t.TempDir(), &bulk.Budget{Limit: limit})
	defer s.Close()
	for _, it := range items {
		if err := s.Add(it); err != nil {
			t.Fatal(err)
		}
	}
	runs = s.Runs()
	it, err := s.Sort()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for it.Next() {
		out = append(out, string(it.Item()))
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	return out, runs
}

// TestSorter sorts items in memory, spilled to runs, and in so many runs
// that they are merged in groups, in order and out of order, and compares
// the result with a stable in-memory sort.
func TestSorter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n, maxLen int
		limit     int64
		inOrder   bool
		runs      [2]int // at least, at most
	}{
		{"memory", 2000, 100, 64 << 20, false, [2]int{0, 0}},
		{"runs", 20000, 300, 1 << 20, false, [2]int{2, 40}},
		{"runs-in-order", 20000, 300, 1 << 20, true, [2]int{2, 40}},
		{"merged-in-groups", 250000, 600, 256 << 10, false, [2]int{bulk.MaxFanIn + 1, 3 * bulk.MaxFanIn}},
		{"in-order-more-than-a-merge-takes", 250000, 600, 256 << 10, true, [2]int{bulk.MaxFanIn + 1, 3 * bulk.MaxFanIn}},
		{"empty", 0, 1, 1 << 20, false, [2]int{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.n), 1))
			var items [][]byte
			for i := 0; i < tc.n; i++ {
				b := make([]byte, 4+rng.IntN(tc.maxLen))
				key := uint32(rng.IntN(tc.n/3 + 1))
				if tc.inOrder {
					key = uint32(i / 2)
				}
				binary.BigEndian.PutUint32(b, key)
				copy(b[4:], fmt.Sprint(i)) // the arrival, to see stability
				items = append(items, b)
			}
			slices.SortStableFunc(items, byKey)
			var want []string
			for _, it := range items {
				want = append(want, string(it))
			}
			got, runs := sortItems(t, items, tc.limit)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sorted (-want +got):\n%s", diff)
			}
			if runs < tc.runs[0] || runs > tc.runs[1] {
				t.Errorf("%d runs spilled, want %d to %d", runs, tc.runs[0], tc.runs[1])
			}
		})
	}
}
