package recover

import (
	"math/rand/v2"
	"testing"
)

// TestKeysetMatchesAMap drives the run-based keyset and a plain map with
// the same offers, in order and out of order, and requires the same
// decisions.
func TestKeysetMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	k := newKeyset()
	ref := map[int64]rank{}
	next := int64(-5)
	for i := 0; i < 20000; i++ {
		var rowid int64
		switch rng.IntN(4) {
		case 0, 1: // the walk: ascending, with gaps
			next += int64(1 + rng.IntN(3)*rng.IntN(2))
			rowid = next
		default: // orphans and duplicates: anywhere
			rowid = next - int64(rng.IntN(200)) + 50
		}
		r := rank(1 + rng.IntN(4))
		prev, seen := ref[rowid]
		wantWrite := !seen || prev < r
		if wantWrite {
			ref[rowid] = r
		}
		write, replace := k.offer(rowid, "", false, r)
		if write != wantWrite || replace != (wantWrite && seen) {
			t.Fatalf("offer %d: rowid %d rank %d: got write=%v replace=%v, want %v %v", i, rowid, r, write, replace, wantWrite, wantWrite && seen)
		}
	}
	for rowid := next - 300; rowid <= next+60; rowid++ {
		_, want := ref[rowid]
		if k.has(rowid) != want {
			t.Fatalf("has(%d) = %v, want %v", rowid, !want, want)
		}
	}
	if len(k.runs) == 0 || len(k.extra) >= len(ref) {
		t.Errorf("%d runs, %d extra for %d keys: the runs hold nothing", len(k.runs), len(k.extra), len(ref))
	}
	var want signature
	for rowid := range ref {
		want.add(uint64(rowid))
	}
	if got := k.signature(); got != want {
		t.Errorf("signature %+v, the map's %+v", got, want)
	}
	var other signature
	for rowid := range ref {
		other.add(uint64(rowid + 1))
	}
	if other == want {
		t.Errorf("shifted rowids sign the same: the signature tells nothing")
	}
}
