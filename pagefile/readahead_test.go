package pagefile

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestReadAheadServesTheSamePages reads every page of a file (whose last
// page is partial) in ascending order, in descending order and at random,
// with reads of the window and past it mixed, and requires the bytes a
// direct read gives.
func TestReadAheadServesTheSamePages(t *testing.T) {
	const pageSize = 1024
	img := make([]byte, 300*pageSize+100)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range img {
		img[i] = byte(rng.Uint32())
	}
	src, err := NewBytesSource(img, pageSize)
	if err != nil {
		t.Fatal(err)
	}
	want := func(pgno uint32) []byte {
		b := make([]byte, pageSize)
		copy(b, img[int(pgno-1)*pageSize:])
		return b
	}
	var orders [][]uint32
	asc, desc, random := []uint32{}, []uint32{}, []uint32{}
	for p := uint32(1); p <= src.PageCount(); p++ {
		asc = append(asc, p)
		desc = append([]uint32{p}, desc...)
		random = append(random, 1+uint32(rng.IntN(int(src.PageCount()))))
	}
	orders = append(orders, asc, desc, random, append(append([]uint32{}, asc[:100]...), random[:50]...))
	got := make([]byte, pageSize)
	for k, order := range orders {
		for _, p := range order {
			if err := src.ReadPage(p, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want(p)) {
				t.Fatalf("order %d: page %d differs from a direct read", k, p)
			}
		}
	}
}
