package bulk

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// Sorter sorts items (byte strings) by a comparison with bounded memory:
// items are kept in memory until the sorter's share of its Budget is used,
// then sorted and written as a run to a temporary file, on a goroutine of
// its own while items keep coming; Sort merges the runs. Items that arrive
// in order (a table walked from its root) are never sorted again, and runs
// that follow each other are read one after the other, not merged.
//
// The temporary file is created in the directory the caller names and
// unlinked at once, so nothing is left behind whatever happens to the
// process; its space is returned when the sorter is closed.
type Sorter struct {
	cmp    func(a, b []byte) int
	dir    string
	budget *Budget

	mu      sync.Mutex
	mem     memRun
	memSize atomic.Int64 // len(mem.arena), read by the budget
	runs    []*run
	file    *os.File
	end     int64 // bytes of the file reserved for runs
	spills  sync.WaitGroup
	err     error
	sorted  bool // Sort was called
}

// Budget is the memory that several sorters share. When the items held
// in memory by all of them exceed Limit, the largest holder spills.
type Budget struct {
	Limit int64

	mu      sync.Mutex
	sorters []*Sorter
	used    atomic.Int64
}

// minRun is the smallest run a sorter spills to relieve its budget: below
// it, the bookkeeping of a run costs more than the memory it frees.
const minRun = 256 << 10

// NewSorter makes a sorter ordering items by cmp, spilling to a temporary
// file in dir, sharing budget (which may be shared with other sorters).
func NewSorter(cmp func(a, b []byte) int, dir string, budget *Budget) *Sorter {
	s := &Sorter{cmp: cmp, dir: dir, budget: budget}
	s.mem.inOrder = true
	budget.mu.Lock()
	budget.sorters = append(budget.sorters, s)
	budget.mu.Unlock()
	return s
}

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
	before := len(s.mem.arena)
	s.mem.add(item, s.cmp)
	delta := int64(len(s.mem.arena) - before)
	s.memSize.Add(delta)
	s.mu.Unlock()
	if s.budget.used.Add(delta) > s.budget.Limit {
		return s.budget.relieve()
	}
	return nil
}

// relieve spills the sorter holding the most memory.
func (b *Budget) relieve() error {
	b.mu.Lock()
	var largest *Sorter
	for _, s := range b.sorters {
		if largest == nil || s.memSize.Load() > largest.memSize.Load() {
			largest = s
		}
	}
	b.mu.Unlock()
	if largest == nil || largest.memSize.Load() < minRun {
		return nil
	}
	largest.mu.Lock()
	defer largest.mu.Unlock()
	return largest.spillLocked()
}

// spillLocked hands the items in memory to a goroutine that sorts them
// and writes them as a run; the next items start a new one. At most one
// spill of a sorter runs at a time, which bounds its memory to two runs.
func (s *Sorter) spillLocked() error {
	if s.err != nil {
		return s.err
	}
	if len(s.mem.starts) == 0 {
		return nil
	}
	s.spills.Wait()
	if s.err != nil {
		return s.err
	}
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
	m := s.mem
	s.mem = memRun{inOrder: true}
	size := int64(len(m.arena))
	// memSize is what a new spill could free; the budget keeps counting
	// the run until it is written.
	s.memSize.Add(-size)
	r := &run{off: s.end, size: size, n: len(m.starts)}
	s.end += size
	s.runs = append(s.runs, r)
	s.spills.Add(1)
	go func() {
		defer s.spills.Done()
		err := m.writeTo(s.file, r, s.cmp)
		s.budget.used.Add(-size)
		if err != nil {
			s.mu.Lock()
			if s.err == nil {
				s.err = err
			}
			s.mu.Unlock()
		}
	}()
	return nil
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
	return len(s.runs)
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
	s.mu.Unlock()
	s.spills.Wait()
	if s.err != nil {
		return nil, s.err
	}
	s.mem.sort(s.cmp)
	var inputs []input
	for _, r := range s.runs {
		inputs = append(inputs, r)
	}
	if len(s.mem.starts) > 0 {
		inputs = append(inputs, &s.mem)
	}
	return newIter(s, inputs)
}

// Close releases the memory and the temporary file.
func (s *Sorter) Close() error {
	s.spills.Wait()
	s.budget.mu.Lock()
	s.budget.sorters = slices.DeleteFunc(s.budget.sorters, func(o *Sorter) bool { return o == s })
	s.budget.mu.Unlock()
	s.budget.used.Add(-s.memSize.Swap(0))
	s.mem = memRun{}
	if s.file != nil {
		return s.file.Close()
	}
	return nil
}

// memRun is items in memory: each a uvarint length and its bytes.
type memRun struct {
	arena   []byte
	starts  []int
	inOrder bool // every item came after the one before it
	next    int  // reading position, for iteration
}

func (m *memRun) add(item []byte, cmp func(a, b []byte) int) {
	if m.inOrder && len(m.starts) > 0 && cmp(m.item(len(m.starts)-1), item) > 0 {
		m.inOrder = false
	}
	m.starts = append(m.starts, len(m.arena))
	m.arena = binary.AppendUvarint(m.arena, uint64(len(item)))
	m.arena = append(m.arena, item...)
}

func (m *memRun) item(i int) []byte {
	b := m.arena[m.starts[i]:]
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

// sort orders the items, keeping equal ones in their order of arrival.
func (m *memRun) sort(cmp func(a, b []byte) int) {
	if m.inOrder {
		return
	}
	slices.SortStableFunc(m.starts, func(a, b int) int {
		return cmp(m.itemAt(a), m.itemAt(b))
	})
	m.inOrder = true
}

func (m *memRun) itemAt(start int) []byte {
	b := m.arena[start:]
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

// writeTo sorts the items and writes them at r's place in f, noting the
// first and last items so that runs in sequence can be concatenated.
func (m *memRun) writeTo(f *os.File, r *run, cmp func(a, b []byte) int) error {
	m.sort(cmp)
	w := bufio.NewWriterSize(io.NewOffsetWriter(f, r.off), 1<<20)
	for i, start := range m.starts {
		b := m.arena[start:]
		n, k := binary.Uvarint(b)
		if _, err := w.Write(b[:k+int(n)]); err != nil {
			return err
		}
		if i == 0 {
			r.first = append([]byte(nil), b[k:k+int(n)]...)
		}
		if i == len(m.starts)-1 {
			r.last = append([]byte(nil), b[k:k+int(n)]...)
		}
	}
	return w.Flush()
}

func (m *memRun) bounds() (first, last []byte) { return m.item(0), m.item(len(m.starts) - 1) }

func (m *memRun) open(*os.File, int) (reader, error) {
	m.next = 0
	return m, nil
}

func (m *memRun) read() ([]byte, error) {
	if m.next >= len(m.starts) {
		return nil, io.EOF
	}
	b := m.itemAt(m.starts[m.next])
	m.next++
	return b, nil
}

// run is a sorted run in the temporary file.
type run struct {
	off, size   int64
	n           int
	first, last []byte
}

// input is a sorted sequence of items: a run in the file or in memory.
type input interface {
	bounds() (first, last []byte)
	open(f *os.File, bufSize int) (reader, error)
}

type reader interface {
	// read returns the next item, valid until the next call, or io.EOF.
	read() ([]byte, error)
}

func (r *run) bounds() (first, last []byte) { return r.first, r.last }

func (r *run) open(f *os.File, bufSize int) (reader, error) {
	return &runReader{br: bufio.NewReaderSize(io.NewSectionReader(f, r.off, r.size), bufSize), left: r.n}, nil
}

// runReader reads a run's items back.
type runReader struct {
	br   *bufio.Reader
	left int
	buf  []byte
}

func (rr *runReader) read() ([]byte, error) {
	if rr.left == 0 {
		return nil, io.EOF
	}
	n, err := binary.ReadUvarint(rr.br)
	if err != nil {
		return nil, noEOF(err)
	}
	if n > uint64(rr.br.Size())+1<<31 {
		return nil, errors.New("bulk: a run of the sort file is damaged")
	}
	if cap(rr.buf) < int(n) {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.br, rr.buf); err != nil {
		return nil, noEOF(err)
	}
	rr.left--
	return rr.buf, nil
}

// noEOF turns the end of a run read too early into an error: a run's
// item count is known, so an early end is damage, not the end.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
