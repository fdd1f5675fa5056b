package bulk

import (
	"bufio"
	"encoding/binary"
	"io"
)

// maxFanIn bounds how many runs are merged at once; more are merged in
// groups first, into longer runs.
const maxFanIn = 256

// Iter returns a sorter's items in order.
type Iter struct {
	s       *Sorter
	readers []reader
	heads   [][]byte // the current item of each reader; nil when it is done
	// keys are the heads' key prefixes (Sorter.UsePrefix), when the
	// sorter has them: most comparisons in the merge end there.
	keys      []prefixKey
	heap      []int         // readers by their current item (merge mode)
	concat    bool          // the inputs follow each other: read them in turn
	inputs    []input       // concat: the runs, each opened when reached
	concatBuf *bufio.Reader // concat: the one buffer they are read through
	cur       int           // the reader being read, in concat mode
	item      []byte
	started   bool
	err       error
}

func newIter(s *Sorter, inputs []input) (*Iter, error) {
	// Runs that follow each other (items that came in order) are read
	// one after the other, however many: merging them in groups first
	// would copy every item through the file once more for nothing.
	concat := follow(s, inputs)
	if !concat {
		var err error
		if inputs, err = s.reduce(inputs); err != nil {
			return nil, err
		}
	}
	it := &Iter{s: s, concat: concat}
	if concat {
		// One run is read at a time: each is opened when reached, with
		// the whole read buffer, and let go when done.
		it.inputs, it.concatBuf = inputs, bufio.NewReaderSize(nil, readBuffer(s.budget, 1))
		it.readers = make([]reader, len(inputs))
		return it, nil
	}
	bufSize := readBuffer(s.budget, len(inputs))
	for _, in := range inputs {
		r, err := in.open(s.file, bufSize, nil)
		if err != nil {
			return nil, err
		}
		it.readers = append(it.readers, r)
	}
	it.heads = make([][]byte, len(it.readers))
	if s.prefix != nil {
		it.keys = make([]prefixKey, len(it.readers))
	}
	return it, nil
}

// follow reports whether each input's items all come before the next
// input's.
func follow(s *Sorter, inputs []input) bool {
	for i := 1; i < len(inputs); i++ {
		_, last := inputs[i-1].bounds()
		first, _ := inputs[i].bounds()
		if s.cmp(last, first) > 0 {
			return false
		}
	}
	return true
}

// readBuffer gives each of n run readers a share of the budget, within
// sensible bounds.
func readBuffer(b *Budget, n int) int {
	size := int64(1 << 20)
	if n > 0 {
		size = b.Limit / int64(2*n)
	}
	return int(min(max(size, 32<<10), 1<<20))
}

// reduce merges runs in groups of maxFanIn until few enough remain.
func (s *Sorter) reduce(inputs []input) ([]input, error) {
	for len(inputs) > maxFanIn {
		group := inputs[:maxFanIn]
		it, err := newIter(s, group)
		if err != nil {
			return nil, err
		}
		merged, err := s.writeRun(it)
		if err != nil {
			return nil, err
		}
		inputs = append([]input{merged}, inputs[maxFanIn:]...)
	}
	return inputs, nil
}

// writeRun writes what it yields as a new run at the end of the file.
func (s *Sorter) writeRun(it *Iter) (*run, error) {
	r := &run{off: s.end}
	w := bufio.NewWriterSize(io.NewOffsetWriter(s.file, r.off), 1<<20)
	var lenBuf [binary.MaxVarintLen64]byte
	for it.Next() {
		item := it.Item()
		if r.n == 0 {
			r.first = append([]byte(nil), item...)
		}
		r.last = append(r.last[:0], item...)
		k := binary.PutUvarint(lenBuf[:], uint64(len(item)))
		if _, err := w.Write(lenBuf[:k]); err != nil {
			return nil, err
		}
		if _, err := w.Write(item); err != nil {
			return nil, err
		}
		r.n++
		r.size += int64(k + len(item))
	}
	if it.Err() != nil {
		return nil, it.Err()
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	s.end += r.size
	return r, nil
}

// Next advances to the next item and reports whether there is one.
func (it *Iter) Next() bool {
	if it.err != nil {
		return false
	}
	if it.concat {
		for it.cur < len(it.readers) {
			if it.readers[it.cur] == nil {
				r, err := it.inputs[it.cur].open(it.s.file, 0, it.concatBuf)
				if err != nil {
					it.err = err
					return false
				}
				it.readers[it.cur] = r
			}
			item, err := it.readers[it.cur].read()
			if err == nil {
				it.item = item
				return true
			}
			if err != io.EOF {
				it.err = err
				return false
			}
			it.readers[it.cur] = nil
			it.cur++
		}
		return false
	}
	if !it.started {
		it.started = true
		for i := range it.readers {
			if !it.advance(i) {
				return false
			}
			if it.heads[i] != nil {
				it.push(i)
			}
		}
	} else if len(it.heap) > 0 {
		// The item returned last came from the top reader: move it on.
		top := it.heap[0]
		if !it.advance(top) {
			return false
		}
		if it.heads[top] == nil {
			it.pop()
		} else {
			it.down(0)
		}
	}
	if len(it.heap) == 0 {
		return false
	}
	it.item = it.heads[it.heap[0]]
	return true
}

// Item is the current item, valid until the next call to Next.
func (it *Iter) Item() []byte { return it.item }

// Key is the current item's key prefix (Sorter.UsePrefix), when the merge
// computed it; ok is false otherwise.
func (it *Iter) Key() (hi, lo uint64, ok bool) {
	if it.keys == nil || it.concat || len(it.heap) == 0 {
		return 0, 0, false
	}
	k := it.keys[it.heap[0]]
	return k.hi, k.lo, true
}

// Err is the error that ended the iteration early, if any.
func (it *Iter) Err() error { return it.err }

func (it *Iter) advance(i int) bool {
	item, err := it.readers[i].read()
	switch {
	case err == io.EOF:
		it.heads[i] = nil
	case err != nil:
		it.err = err
		return false
	default:
		it.heads[i] = item
		if it.keys != nil {
			it.keys[i].hi, it.keys[i].lo = it.s.prefix(item)
		}
	}
	return true
}

// prefixKey is an item's key prefix: two words that order items as the
// sorter's comparison does wherever they differ.
type prefixKey struct{ hi, lo uint64 }

// less orders readers by their current items, then by their position, so
// that equal items come out in the order they were added.
func (it *Iter) less(a, b int) bool {
	if it.keys != nil {
		ka, kb := it.keys[a], it.keys[b]
		if ka.hi != kb.hi {
			return ka.hi < kb.hi
		}
		if ka.lo != kb.lo {
			return ka.lo < kb.lo
		}
	}
	if c := it.s.cmp(it.heads[a], it.heads[b]); c != 0 {
		return c < 0
	}
	return a < b
}

func (it *Iter) push(i int) {
	it.heap = append(it.heap, i)
	for j := len(it.heap) - 1; j > 0; {
		p := (j - 1) / 2
		if !it.less(it.heap[j], it.heap[p]) {
			break
		}
		it.heap[j], it.heap[p] = it.heap[p], it.heap[j]
		j = p
	}
}

func (it *Iter) pop() {
	n := len(it.heap) - 1
	it.heap[0] = it.heap[n]
	it.heap = it.heap[:n]
	if n > 0 {
		it.down(0)
	}
}

func (it *Iter) down(j int) {
	n := len(it.heap)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && it.less(it.heap[r], it.heap[l]) {
			m = r
		}
		if !it.less(it.heap[m], it.heap[j]) {
			return
		}
		it.heap[j], it.heap[m] = it.heap[m], it.heap[j]
		j = m
	}
}
