package recover

import (
	"context"
	"slices"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
)

// fileIndexes is what the repair needs to know of the damaged file's
// index trees over rowid tables, read on a goroutine of its own while the
// rows load (it depends on the file alone): for the cross-check, the
// sorted hashes of each tree's entries; for reclaim, a signature of the
// rowids each lists.
type fileIndexes struct {
	done   chan struct{}
	byTree map[int]fileIndex
}

// fileIndex is one index tree of the damaged file as readFileIndex read it.
type fileIndex struct {
	hashes []uint64
	rowids rowidSignature
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

// readFileIndex hashes the whole entries of index tree ct and signs the
// rowids they end with.
func (r *repairer) readFileIndex(ct *census.Tree) fileIndex {
	out := fileIndex{hashes: make([]uint64, 0, ct.Walk.Entries), clean: true}
	_, _ = r.cen.Walk(ct.Index, btree.WalkOptions{Reuse: true, OnEntry: func(e *btree.Entry) error {
		if h, ok := recordHash(e.Payload, r.rd.Encoding()); ok && e.PayloadErr == nil {
			out.hashes = append(out.hashes, h)
		}
		if id, ok := btree.LastInteger(e.Payload); ok && e.PayloadErr == nil {
			out.rowids.add(id)
		} else {
			out.clean = false
		}
		return nil
	}})
	slices.Sort(out.hashes)
	return out
}

// rowidSignature stands for a set of rowids: their count and the sum of
// their mixed values. Two sets with equal signatures are, but for a
// chance of about 2^-64, equal; a repair uses that only to skip looking
// for rows it would not find (reclaim), and the cross-check still
// compares every entry.
type rowidSignature struct {
	count int
	sum   uint64
}

func (s *rowidSignature) add(rowid int64) {
	s.count++
	s.sum += mix64(uint64(rowid))
}

// mix64 is SplitMix64's finaliser: every bit of the input moves every bit
// of the output.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
