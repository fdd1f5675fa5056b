package recover

import (
	"context"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// fileIndexes is what the repair needs to know of the damaged file's
// index trees over rowid tables, read on a goroutine of its own while the
// rows load (it depends on the file alone): signatures of the entries
// each tree holds (for the cross-check) and of the rowids it lists (for
// reclaim).
type fileIndexes struct {
	done   chan struct{}
	byTree map[int]fileIndex
}

// fileIndex is one index tree of the damaged file as readFileIndex read it.
type fileIndex struct {
	entries signature // of the recordHash of each whole entry
	rowids  signature
	// clean is false when an entry's trailing rowid did not read (as
	// eachIndexedRowid would find it).
	clean bool
}

// readFileIndexes starts reading every index tree the cross-check will
// compare.
func (r *repairer) readFileIndexes(ctx context.Context) *fileIndexes {
	fi := &fileIndexes{done: make(chan struct{}), byTree: map[int]fileIndex{}}
	trees := r.indexTrees()
	go func() {
		defer close(fi.done)
		for _, x := range trees {
			if ctx.Err() != nil {
				return
			}
			fi.byTree[x.ct.Index] = r.readFileIndex(x.ct)
		}
	}()
	return fi
}

// wait returns once every tree is read.
func (fi *fileIndexes) wait() { <-fi.done }

// readFileIndex signs the whole entries of index tree ct and the rowids
// they end with.
func (r *repairer) readFileIndex(ct *census.Tree) fileIndex {
	out := fileIndex{clean: true}
	_, _ = r.cen.Walk(ct.Index, btree.WalkOptions{Reuse: true, OnEntry: func(e *btree.Entry) error {
		if h, ok := recordHash(e.Payload, r.rd.Encoding()); ok && e.PayloadErr == nil {
			out.entries.add(h)
		}
		if id, ok := btree.LastInteger(e.Payload); ok && e.PayloadErr == nil {
			out.rowids.add(uint64(id))
		} else {
			out.clean = false
		}
		return nil
	}})
	return out
}

// signature stands for a multiset of 64-bit values (rowids, entry
// hashes): their count and two sums of differently mixed values. Two
// multisets with equal signatures are, but for a chance of about 2^-128,
// equal: a repair uses that to skip comparing, value by value, what a
// signature says is the same (a sound file's index against the one
// rebuilt, an index's rowids against the rows kept), and compares value
// by value whenever signatures differ.
type signature struct {
	count      int
	sum1, sum2 uint64
}

func (s *signature) add(v uint64) {
	s.count++
	s.sum1 += mix64(v)
	s.sum2 += mix64(v ^ 0x5bd1e9955bd1e995)
}

// mix64 is SplitMix64's finaliser: every bit of the input moves every bit
// of the output.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
