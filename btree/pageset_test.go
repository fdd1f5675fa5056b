package btree

import (
	"math/rand/v2"
	"testing"
)

// The set agrees with a map on pages spread from 1 to the largest page
// number, neighbours of chunk boundaries included.
func TestPageSetAgreesWithAMap(t *testing.T) {
	var s pageSet
	want := map[uint32]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		var p uint32
		switch i % 3 {
		case 0:
			p = rng.Uint32()
		case 1:
			p = uint32(rng.IntN(4*pagesPerChunk)) + 1
		default:
			p = uint32(rng.IntN(8))*pagesPerChunk + uint32(rng.IntN(3)) - 1
		}
		if s.has(p) != want[p] {
			t.Fatalf("page %d: has %v before add, want %v", p, s.has(p), want[p])
		}
		s.add(p)
		want[p] = true
	}
	for p := uint32(0); p < 8*pagesPerChunk; p++ {
		if s.has(p) != want[p] {
			t.Fatalf("page %d: has %v, want %v", p, s.has(p), want[p])
		}
	}
	for p := range want {
		if !s.has(p) {
			t.Fatalf("page %d added, not found", p)
		}
	}
}
