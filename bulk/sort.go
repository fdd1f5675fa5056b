package bulk

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// Sorter sorts items (byte strings) by a comparison with bounded memory.
// Items are gathered in chunks; each full chunk is sorted on a goroutine
// of the sorter's own while items keep coming, and kept in memory as a
// run. When the runs held by all the sorters sharing a Budget exceed its
// limit, the largest holder writes its runs to a temporary file. Sort
// merges the runs. Items that arrive in order (a table walked from its
// root) are never sorted again, and runs that follow each other are read
// one after the other, not merged.
//
// The temporary file is created in the directory the caller names and
// unlinked at once, so nothing is left behind whatever happens to the
// process; its space is returned when the sorter is closed.
type Sorter struct {
	cmp    func(a, b []byte) int
	prefix func([]byte) (uint64, uint64)
	dir    string
	budget *Budget
	chunk  int

	mu        sync.Mutex
	mem       *memRun // the chunk being filled
	runs      []*run  // sealed chunks, in order of arrival
	spillable atomic.Int64
	file      *os.File
	end       int64 // bytes of the file reserved for runs
	bg        serial
	err       error
	sorted    bool          // Sort was called
	added     int           // items added
	spillBuf  *bufio.Writer // used by spills only, which run one at a time (bg)
	closed    bool
}

// Budget is the memory that several sorters share. When the items held
// in memory by all of them exceed Limit, the largest holder spills.
type Budget struct {
	Limit int64

	mu      sync.Mutex
	sorters []*Sorter
	free    [][]byte // arena blocks runs gave back (memRun.release)
	used    atomic.Int64
}

// minRun is the smallest run a sorter spills to relieve its budget: below
// it, the bookkeeping of a run costs more than the memory it frees.
const minRun = 256 << 10

// NewSorter makes a sorter ordering items by cmp, spilling to a temporary
// file in dir, sharing budget (which may be shared with other sorters).
func NewSorter(cmp func(a, b []byte) int, dir string, budget *Budget) *Sorter {
	// Chunks small enough that several are sorted while items come, and
	// that a run spilled frees a useful share of the budget.
	chunk := int(min(max(budget.Limit/8, minRun), 16<<20))
	s := &Sorter{cmp: cmp, dir: dir, budget: budget, chunk: chunk, mem: newMemRun(budget)}
	budget.mu.Lock()
	budget.sorters = append(budget.sorters, s)
	budget.mu.Unlock()
	return s
}

// UsePrefix gives the sorter a prefix of each item's key, two words that
// order items as cmp does wherever they differ (p(a) < p(b) only if
// cmp(a, b) < 0): most comparisons are then settled without cmp. It must
// be called before the first Add.
func (s *Sorter) UsePrefix(p func(item []byte) (uint64, uint64)) { s.prefix = p }

// Add copies item into the sorter.
func (s *Sorter) Add(item []byte) error {
	s.mu.Lock()
	if s.err != nil || s.sorted {
		err := s.err
		s.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		return err
	}
	before := s.mem.held()
	s.mem.add(item, s.cmp, s.prefix)
	s.added++
	delta := int64(s.mem.held() - before)
	s.spillable.Add(delta)
	if s.mem.held() >= s.chunk {
		s.sealLocked()
	}
	s.mu.Unlock()
	if s.budget.used.Add(delta) > s.budget.Limit {
		return s.budget.relieve()
	}
	return nil
}

// sealLocked ends the current chunk and sorts it in the background.
func (s *Sorter) sealLocked() {
	m := s.mem
	if len(m.keys) == 0 {
		return
	}
	s.mem = newMemRun(s.budget)
	// The next chunk takes about as many items: its keys are not grown
	// to that size by doubling.
	s.mem.keys = make([]sortKey, 0, len(m.keys)+len(m.keys)/8)
	r := &run{mem: m, n: len(m.keys), size: int64(m.size), held: int64(m.held())}
	s.runs = append(s.runs, r)
	s.bg.do(func() {
		m.sort(s.cmp)
		r.first, r.last = bytes.Clone(m.item(0)), bytes.Clone(m.item(len(m.keys)-1))
	})
}

// relieve spills the sorter holding the most memory, and waits for it
// when memory is far over the budget, so that a producer faster than the
// disk cannot outrun it.
func (b *Budget) relieve() error {
	b.mu.Lock()
	var largest *Sorter
	for _, s := range b.sorters {
		if largest == nil || s.spillable.Load() > largest.spillable.Load() {
			largest = s
		}
	}
	b.mu.Unlock()
	if largest == nil || largest.spillable.Load() < minRun {
		return nil
	}
	if err := largest.spill(); err != nil {
		return err
	}
	if b.used.Load() > 2*b.Limit {
		largest.bg.wait()
	}
	return largest.error()
}

// spill seals the current chunk and has every run in memory written to
// the temporary file, in the background, after its sort.
func (s *Sorter) spill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.sealLocked()
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, ".dbrescue-sort-*")
		if err != nil {
			s.err = err
			return err
		}
		// Unlinked at once: the space comes back when the file is
		// closed, whatever happens to the process.
		_ = os.Remove(f.Name())
		s.file = f
	}
	for _, r := range s.runs {
		if r.mem == nil || r.spilling {
			continue
		}
		r.spilling = true
		r.off = s.end
		s.end += r.size
		s.spillable.Add(-r.held)
		s.bg.do(func() {
			if s.spillBuf == nil {
				s.spillBuf = bufio.NewWriterSize(nil, 1<<20)
			}
			err := r.mem.writeTo(s.spillBuf, s.file, r.off)
			s.mu.Lock()
			r.mem.release()
			r.mem = nil
			s.mu.Unlock()
			s.budget.used.Add(-r.held)
			if err != nil {
				s.fail(err)
			}
		})
	}
	return nil
}

func (s *Sorter) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *Sorter) error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Spilled is how many bytes of items went to the temporary file.
func (s *Sorter) Spilled() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end
}

// Runs is how many runs went to the temporary file so far.
func (s *Sorter) Runs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.runs {
		if r.spilling {
			n++
		}
	}
	return n
}

// Len is the number of items added.
func (s *Sorter) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.added
}

// Sort ends the input and returns the items in order. Items that compare
// equal come out in the order they were added.
func (s *Sorter) Sort() (*Iter, error) {
	s.mu.Lock()
	if s.sorted {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	s.sorted = true
	s.sealLocked()
	s.mu.Unlock()
	s.bg.wait()
	if err := s.error(); err != nil {
		return nil, err
	}
	inputs := make([]input, len(s.runs))
	for i, r := range s.runs {
		inputs[i] = r
	}
	return newIter(s, inputs)
}

// Close releases the memory and the temporary file. Closing again does
// nothing.
func (s *Sorter) Close() error {
	s.bg.wait()
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if closed {
		return nil
	}
	s.budget.mu.Lock()
	s.budget.sorters = slices.DeleteFunc(s.budget.sorters, func(o *Sorter) bool { return o == s })
	s.budget.mu.Unlock()
	s.mu.Lock()
	held := int64(s.mem.held())
	s.mem.release()
	for _, r := range s.runs {
		if r.mem != nil {
			held += r.held
			r.mem.release()
			r.mem = nil
		}
	}
	s.mu.Unlock()
	s.spillable.Store(0)
	s.budget.used.Add(-held)
	if s.file != nil {
		return s.file.Close()
	}
	return nil
}

// serial runs functions one after the other, each on a goroutine that
// waits for the one before.
type serial struct {
	mu   sync.Mutex
	last chan struct{}
}

func (e *serial) do(f func()) {
	e.mu.Lock()
	prev := e.last
	done := make(chan struct{})
	e.last = done
	e.mu.Unlock()
	go func() {
		if prev != nil {
			<-prev
		}
		f()
		close(done)
	}()
}

func (e *serial) wait() {
	e.mu.Lock()
	last := e.last
	e.mu.Unlock()
	if last != nil {
		<-last
	}
}
