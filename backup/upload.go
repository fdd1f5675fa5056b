package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dbrescue/dbrescue/remote"
)

// uploader creates objects in a store from a fixed number of goroutines,
// handing their buffers back for reuse: at most Uploads objects are in
// flight and one more is being filled, so memory stays at (Uploads+1)
// segments whatever the database's size. The first error stops it.
type uploader struct {
	st      remote.Store
	ctx     context.Context
	cancel  context.CancelFunc
	jobs    chan upload
	free    chan []byte
	wg      sync.WaitGroup
	limit   *rateLimit
	bytes   atomic.Int64
	mu      sync.Mutex
	err     error
	created []string // keys created, for cleaning up after a failed run
}

type upload struct {
	key  string
	data []byte
}

// newUploader starts workers goroutines with workers+1 buffers of bufSize
// bytes.
func newUploader(ctx context.Context, st remote.Store, workers, bufSize int, limit *rateLimit) *uploader {
	ctx, cancel := context.WithCancel(ctx)
	u := &uploader{st: st, ctx: ctx, cancel: cancel, jobs: make(chan upload), free: make(chan []byte, workers+1), limit: limit}
	for range workers + 1 {
		u.free <- make([]byte, 0, bufSize)
	}
	for range workers {
		u.wg.Add(1)
		go u.work()
	}
	return u
}

func (u *uploader) work() {
	defer u.wg.Done()
	for j := range u.jobs {
		if u.ctx.Err() == nil {
			if err := u.create(u.ctx, j.key, j.data); err != nil {
				u.fail(err)
			}
		}
		u.free <- j.data[:0]
	}
}

// create uploads one object (at the rate limit) and records it.
func (u *uploader) create(ctx context.Context, key string, data []byte) error {
	if err := u.limit.wait(ctx, len(data)); err != nil {
		return err
	}
	if err := createOnce(ctx, u.st, key, data); err != nil {
		return err
	}
	u.bytes.Add(int64(len(data)))
	u.mu.Lock()
	u.created = append(u.created, key)
	u.mu.Unlock()
	return nil
}

// createOnce creates key. An ErrExists is accepted when the object holds
// exactly data: an SDK retry of a PUT whose first attempt was stored but
// whose answer was lost meets its own object.
func createOnce(ctx context.Context, st remote.Store, key string, data []byte) error {
	err := st.Create(ctx, key, data)
	if !errors.Is(err, remote.ErrExists) {
		return err
	}
	got, rerr := st.ReadRange(ctx, key, 0, int64(len(data))+1)
	if rerr == nil && bytes.Equal(got, data) {
		return nil
	}
	return err
}

func (u *uploader) fail(err error) {
	u.mu.Lock()
	if u.err == nil {
		u.err = err
	}
	u.mu.Unlock()
	u.cancel()
}

func (u *uploader) firstErr() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// buffer returns an empty buffer to fill, waiting for an upload to end
// when all are in use.
func (u *uploader) buffer() ([]byte, error) {
	select {
	case b := <-u.free:
		return b, nil
	case <-u.ctx.Done():
		if err := u.firstErr(); err != nil {
			return nil, err
		}
		return nil, u.ctx.Err()
	}
}

// release hands back a buffer that will not be sent.
func (u *uploader) release(b []byte) { u.free <- b[:0] }

// send queues data (a buffer from buffer) for upload as key.
func (u *uploader) send(key string, data []byte) error {
	select {
	case u.jobs <- upload{key: key, data: data}:
		return nil
	case <-u.ctx.Done():
		u.free <- data[:0]
		if err := u.firstErr(); err != nil {
			return err
		}
		return u.ctx.Err()
	}
}

// wait ends the uploads and returns the first error. The buffers are
// let go, for the manifest that comes next.
func (u *uploader) wait() error {
	if u.jobs != nil {
		close(u.jobs)
		u.wg.Wait()
		u.jobs = nil
		for len(u.free) > 0 {
			<-u.free
		}
	}
	u.cancel()
	return u.firstErr()
}

// createdKeys returns the keys uploaded so far.
func (u *uploader) createdKeys() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.created...)
}

// rateLimit spaces uploads so that they average at most perSec bytes a
// second: each object may start once the bytes before it have had their
// time. Objects are small (a segment holds at most about two seconds of
// the rate; see StoreOptions.segmentSize), so the rate holds over any
// few seconds. nil is no limit.
type rateLimit struct {
	perSec float64
	mu     sync.Mutex
	next   time.Time
}

func newRateLimit(perSec int64) *rateLimit {
	if perSec <= 0 {
		return nil
	}
	return &rateLimit{perSec: float64(perSec)}
}

func (r *rateLimit) wait(ctx context.Context, n int) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	now := time.Now()
	start := now
	if r.next.After(now) {
		start = r.next
	}
	r.next = start.Add(time.Duration(float64(n) / r.perSec * float64(time.Second)))
	r.mu.Unlock()
	if d := start.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("backup: upload: %w", ctx.Err())
		}
	}
	return nil
}
