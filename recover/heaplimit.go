package recover

import (
	"math"
	"runtime/debug"
	"sync"
)

// What a repair keeps in the Go heap, for Options.BoundHeap: the sorters'
// memory (at most twice their shared budget, see bulk.Budget), the walks'
// windows and batches, and what is kept per page: the census's entry for
// every page of the file, and for every page a usable metadata backup
// lists its decoded listing and the evidence indexes built from it
// (evidence.go). Measured on a 1 GB file (255,229 pages): about 28 bytes
// a page of census and 62 bytes a listed page of meta and evidence; the
// figures below leave room for more trees and tables than that file has.
const (
	heapBase          = 2*bulkBudget + 64<<20
	heapPerPage       = 64
	heapPerListedPage = 128
)

// boundHeap sets the soft limit of Options.BoundHeap and returns what
// puts back the limit it found. Left to GOGC alone, the collector lets
// the heap grow to twice what is live before it runs: a 1 GB repair's
// peak RSS varied between 140 and 234 MB from run to run, where a limit
// a little above what is live keeps it under 180 MB at the same speed
// (the collector runs a few more times). A limit set already
// (GOMEMLIMIT, the embedding program, a batch child's budget) is left as
// it is: whoever set it knows better. Repairs running at once in one
// process share the limit: it is the sum of theirs while they run, and
// the last one to finish puts back the one found.
func (r *repairer) boundHeap() (restore func()) {
	if !r.opts.BoundHeap {
		return func() {}
	}
	own := r.heapLimit()
	heapBound.Lock()
	defer heapBound.Unlock()
	if heapBound.holders == 0 {
		heapBound.found = debug.SetMemoryLimit(-1)
	}
	if heapBound.found != math.MaxInt64 {
		return func() {}
	}
	heapBound.holders++
	heapBound.total += own
	debug.SetMemoryLimit(heapBound.total)
	return func() {
		heapBound.Lock()
		defer heapBound.Unlock()
		heapBound.holders--
		heapBound.total -= own
		if heapBound.holders == 0 {
			debug.SetMemoryLimit(heapBound.found)
			return
		}
		debug.SetMemoryLimit(heapBound.total)
	}
}

// heapBound is the limit the running repairs hold.
var heapBound struct {
	sync.Mutex
	holders int
	total   int64
	found   int64 // the limit before the first of them
}

// heapLimit is the soft limit for this repair's file and metadata
// backups.
func (r *repairer) heapLimit() int64 {
	listed := 0
	for _, e := range r.metas {
		for i := range e.m.Trees {
			tr := &e.m.Trees[i]
			listed += len(tr.Leaves) + len(tr.Interior) + len(tr.Overflow)
		}
	}
	return heapBase + heapPerPage*int64(len(r.cen.Pages)) + heapPerListedPage*int64(listed)
}
