package bulk

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
	"slices"
)

func newMemRun(b *Budget) *memRun { return &memRun{inOrder: true, budget: b} }

// memRun is items in memory, each a uvarint length and its bytes, in
// blocks: an arena that never moves what it holds as it grows.
type memRun struct {
	budget  *Budget // where blocks come from and go back to; may be nil
	blocks  [][]byte
	keys    []sortKey // in order of arrival until sorted
	size    int       // bytes of items, length prefixes included
	inOrder bool      // every item came after the one before it
	next    int       // reading position, for iteration
}

// sortKey is an item's place in the arena (block<<32 | offset), which is
// also its order of arrival, and the prefix of its key.
type sortKey struct {
	hi, lo uint64
	ref    uint64
}

// sortKeySize is what a sortKey costs, counted against the budget.
const sortKeySize = 24

func (m *memRun) held() int { return m.size + sortKeySize*len(m.keys) }

// blockSize is the size of an arena block; a larger item gets a block of
// its own.
const blockSize = 1 << 20

func (m *memRun) add(item []byte, cmp func(a, b []byte) int, prefix func([]byte) (uint64, uint64)) {
	k := sortKey{}
	if prefix != nil {
		k.hi, k.lo = prefix(item)
	}
	if m.inOrder && len(m.keys) > 0 && compareKeys(m, m.keys[len(m.keys)-1], k, item, cmp) > 0 {
		m.inOrder = false
	}
	need := binary.MaxVarintLen64 + len(item)
	n := len(m.blocks)
	if n == 0 || len(m.blocks[n-1])+need > cap(m.blocks[n-1]) {
		var b []byte
		if need <= blockSize {
			b = m.budget.block()
		} else {
			b = make([]byte, 0, need)
		}
		m.blocks = append(m.blocks, b)
		n++
	}
	blk := m.blocks[n-1]
	k.ref = uint64(n-1)<<32 | uint64(len(blk))
	m.keys = append(m.keys, k)
	before := len(blk)
	blk = binary.AppendUvarint(blk, uint64(len(item)))
	blk = append(blk, item...)
	m.blocks[n-1] = blk
	m.size += len(blk) - before
}

// compareKeys orders an item already held (a) and a new one (b, whose
// key's ref is not set yet) by prefix, then by cmp.
func compareKeys(m *memRun, a, b sortKey, item []byte, cmp func(a, b []byte) int) int {
	switch {
	case a.hi != b.hi:
		return cmpU64(a.hi, b.hi)
	case a.lo != b.lo:
		return cmpU64(a.lo, b.lo)
	}
	return cmp(m.itemAt(a.ref), item)
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// release gives the blocks back for reuse.
func (m *memRun) release() {
	for _, b := range m.blocks {
		if cap(b) == blockSize {
			m.budget.reuse(b)
		}
	}
	m.blocks, m.keys = nil, nil
}

// raw is the item at ref with its length prefix, and where the item
// itself starts in it.
func (m *memRun) raw(ref uint64) ([]byte, int) {
	b := m.blocks[ref>>32][uint32(ref):]
	n, k := binary.Uvarint(b)
	return b[:k+int(n)], k
}

func (m *memRun) itemAt(ref uint64) []byte {
	b, k := m.raw(ref)
	return b[k:]
}

func (m *memRun) item(i int) []byte { return m.itemAt(m.keys[i].ref) }

// sort orders the items by prefix, then cmp, keeping equal ones in their
// order of arrival (which is the order of their references).
func (m *memRun) sort(cmp func(a, b []byte) int) {
	if m.inOrder {
		return
	}
	slices.SortFunc(m.keys, func(a, b sortKey) int {
		switch {
		case a.hi != b.hi:
			return cmpU64(a.hi, b.hi)
		case a.lo != b.lo:
			return cmpU64(a.lo, b.lo)
		}
		if c := cmp(m.itemAt(a.ref), m.itemAt(b.ref)); c != 0 {
			return c
		}
		return cmpU64(a.ref, b.ref)
	})
	m.inOrder = true
}

// writeTo writes the items, in their order, at off in f, through w (reset
// to that place: one buffer serves every run a sorter writes).
func (m *memRun) writeTo(w *bufio.Writer, f *os.File, off int64) error {
	w.Reset(io.NewOffsetWriter(f, off))
	for _, k := range m.keys {
		b, _ := m.raw(k.ref)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return w.Flush()
}

func (m *memRun) read() ([]byte, error) {
	if m.next >= len(m.keys) {
		return nil, io.EOF
	}
	b := m.item(m.next)
	m.next++
	return b, nil
}

// block returns an empty arena block: one a run gave back, or a new one.
func (b *Budget) block() []byte {
	if b != nil {
		b.mu.Lock()
		defer b.mu.Unlock()
		if n := len(b.free); n > 0 {
			blk := b.free[n-1]
			b.free = b.free[:n-1]
			return blk[:0]
		}
	}
	return make([]byte, 0, blockSize)
}

// reuse keeps a block a run is done with for the next run, up to the
// budget's limit: sorting a large table then takes no new memory per run,
// and what is kept is what the runs held anyway.
func (b *Budget) reuse(blk []byte) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if int64(len(b.free)+1)*blockSize <= b.Limit {
		b.free = append(b.free, blk)
	}
}
