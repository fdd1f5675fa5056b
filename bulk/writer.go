package bulk

import (
	"os"
	"sync"
)

// writer writes page images on a goroutine of its own, so that building
// pages and copying them into the kernel overlap. Consecutive pages are
// gathered into one write of up to stageBytes.
type writer struct {
	f        *os.File
	pageSize int
	jobs     chan wjob
	done     chan struct{}
	free     chan []byte // page buffers to reuse

	mu  sync.Mutex
	err error
}

type wjob struct {
	pgno uint32
	buf  []byte
}

// stageBytes bounds one write; inFlight bounds the pages queued;
// syncEvery is how many bytes written start a sync.
const (
	stageBytes = 1 << 20
	inFlight   = 256
	syncEvery  = 32 << 20
)

func newWriter(f *os.File, pageSize int) *writer {
	w := &writer{f: f, pageSize: pageSize, jobs: make(chan wjob, inFlight), done: make(chan struct{}),
		free: make(chan []byte, 2*inFlight)}
	go w.run()
	return w
}

// get returns a zeroed page buffer.
func (w *writer) get() []byte {
	select {
	case b := <-w.free:
		clear(b)
		return b
	default:
		return make([]byte, w.pageSize)
	}
}

// write queues buf as page pgno. It reports the first error any earlier
// write met.
func (w *writer) write(pgno uint32, buf []byte) error {
	if err := w.error(); err != nil {
		return err
	}
	w.jobs <- wjob{pgno: pgno, buf: buf}
	return nil
}

func (w *writer) error() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// close writes what is queued and stops the goroutine.
func (w *writer) close() error {
	close(w.jobs)
	<-w.done
	return w.error()
}

func (w *writer) run() {
	defer close(w.done)
	// The file goes to the disk while it is written: every syncEvery
	// bytes a sync starts on a goroutine of its own (one at a time), so
	// that the caller's final sync finds little left to write.
	syncs := make(chan struct{}, 1)
	synced := make(chan struct{})
	go func() {
		defer close(synced)
		for range syncs {
			_ = w.f.Sync() // an error shows in the caller's own sync
		}
	}()
	defer func() { close(syncs); <-synced }()
	unsynced := 0
	stage := make([]byte, 0, stageBytes)
	var first uint32 // page number of stage[0:pageSize]
	flush := func() {
		if len(stage) > 0 && w.error() == nil {
			if _, err := w.f.WriteAt(stage, int64(first-1)*int64(w.pageSize)); err != nil {
				w.fail(err)
			}
			if unsynced += len(stage); unsynced >= syncEvery {
				unsynced = 0
				select {
				case syncs <- struct{}{}:
				default: // one is under way: the next will take these too
				}
			}
		}
		stage = stage[:0]
	}
	for j := range w.jobs {
		next := first + uint32(len(stage)/w.pageSize)
		if len(stage) == 0 || j.pgno != next || len(stage)+w.pageSize > stageBytes {
			flush()
			first = j.pgno
		}
		stage = append(stage, j.buf...)
		select {
		case w.free <- j.buf:
		default:
		}
	}
	flush()
}
