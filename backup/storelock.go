package backup

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dbrescue/dbrescue/remote"
)

// runLock is a run's lock in a store: an object locks/<run>.<n>.lock that
// names the run's base version. Objects are never rewritten, so the lock
// is renewed by creating the next one and deleting the previous, every
// LockRefresh, while the run lasts; there is always at least one. Prune
// keeps what a live run needs: its base version, and the segments it is
// uploading (named after the run). A lock whose newest object is older
// than LockStale (by the store's clock) belongs to a run that died.
type runLock struct {
	st      remote.Store
	run     string
	body    []byte
	mu      sync.Mutex
	n       int
	stop    chan struct{}
	stopped chan struct{}
}

// takeLock creates the run's first lock object and starts renewing it.
func takeLock(ctx context.Context, st remote.Store, run, base string, refresh time.Duration) (*runLock, error) {
	host, _ := os.Hostname()
	body := fmt.Sprintf("dbrescue run lock\nrun=%s\nbase=%s\nhost=%s\npid=%d\n", run, base, host, os.Getpid())
	l := &runLock{st: st, run: run, body: []byte(body), stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := st.Create(ctx, lockKey(run, 0), l.body); err != nil {
		return nil, fmt.Errorf("backup: lock: %w", err)
	}
	go l.renew(refresh)
	return l, nil
}

func (l *runLock) renew(every time.Duration) {
	defer close(l.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		l.mu.Lock()
		// A failed renewal is tried again at the next tick; the lock
		// only goes stale after LockStale without one.
		if err := l.st.Create(ctx, lockKey(l.run, l.n+1), l.body); err == nil {
			_ = l.st.Delete(ctx, []string{lockKey(l.run, l.n)})
			l.n++
		}
		l.mu.Unlock()
		cancel()
	}
}

// release stops the renewals and deletes the lock.
func (l *runLock) release() error {
	close(l.stop)
	<-l.stopped
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return l.st.Delete(ctx, []string{lockKey(l.run, l.n)})
}

// liveLock is what Prune needs of a run under way.
type liveLock struct {
	run, base string
	readable  bool
}

// liveLocks lists the runs whose lock is newer than stale at now (store
// time), and the lock objects of dead runs.
func liveLocks(ctx context.Context, st remote.Store, now time.Time, stale time.Duration) (map[string]liveLock, []string, error) {
	objs, err := st.List(ctx, lockDir)
	if err != nil {
		return nil, nil, err
	}
	newest := map[string]remote.Object{}
	var all []remote.Object
	var dead []string
	for _, o := range objs {
		run := lockRun(o.Key)
		if run == "" {
			if strings.HasSuffix(o.Key, clockExt) && now.Sub(o.Modified) > stale {
				dead = append(dead, o.Key) // left by a storeNow that was killed
			}
			continue
		}
		all = append(all, o)
		if n, ok := newest[run]; !ok || o.Modified.After(n.Modified) {
			newest[run] = o
		}
	}
	live := map[string]liveLock{}
	for run, o := range newest {
		if now.Sub(o.Modified) > stale {
			continue
		}
		l := liveLock{run: run}
		if b, err := st.ReadRange(ctx, o.Key, 0, 4096); err == nil {
			l.base, l.readable = parseLock(string(b), run)
		}
		live[run] = l
	}
	for _, o := range all {
		if _, ok := live[lockRun(o.Key)]; !ok {
			dead = append(dead, o.Key)
		}
	}
	return live, dead, nil
}

// parseLock reads the base a lock names; ok is false when the lock is not
// one this dbrescue wrote for run.
func parseLock(body, run string) (base string, ok bool) {
	lines := strings.Split(body, "\n")
	if len(lines) < 3 || lines[0] != "dbrescue run lock" || lines[1] != "run="+run {
		return "", false
	}
	base, ok = strings.CutPrefix(lines[2], "base=")
	return base, ok && len(base) <= maxIDLen
}

const clockExt = ".clock"

// storeNow is the store's clock: the modification time of an object
// created for the purpose, then deleted.
func storeNow(ctx context.Context, st remote.Store) (time.Time, error) {
	key := lockDir + newID(time.Now()) + clockExt
	if err := st.Create(ctx, key, nil); err != nil {
		return time.Time{}, err
	}
	defer st.Delete(context.WithoutCancel(ctx), []string{key}) //nolint:errcheck // best effort; prune removes leftovers
	objs, err := st.List(ctx, key)
	if err != nil {
		return time.Time{}, err
	}
	for _, o := range objs {
		if o.Key == key {
			return o.Modified, nil
		}
	}
	return time.Time{}, fmt.Errorf("backup: %s: the object just created is not listed", key)
}
