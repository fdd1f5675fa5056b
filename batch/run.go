package batch

import (
	"cmp"
	"context"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Options control Run.
type Options struct {
	Settings
	// Jobs is how many databases are repaired at once (default: the
	// number of cores).
	Jobs int
	// Timeout is each database's time budget; 0 means none.
	Timeout time.Duration
	// Memory is each database's memory budget in bytes; 0 means none.
	Memory int64
	// Executable is the program run as a child (default: this one,
	// os.Executable); its main must call ServeChild when IsChild.
	Executable string
	// OnDone, when set, is called with each result as its database
	// finishes, one call at a time.
	OnDone func(*Result)
}

// Run repairs every job, opts.Jobs at a time, the smallest databases
// first so that one huge file holds back no small one, and returns the
// results in input order. A database that fails is a result, not an
// error: Run returns an error only when it cannot start at all.
func Run(ctx context.Context, jobs []Job, opts Options) (*Report, error) {
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	if opts.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts.Executable = exe
	}
	start := time.Now()
	queue := slices.Clone(jobs)
	slices.SortStableFunc(queue, func(a, b Job) int { return cmp.Compare(a.Size, b.Size) })
	todo := make(chan Job)
	var mu sync.Mutex
	rep := &Report{Databases: make([]*Result, 0, len(jobs))}
	var wg sync.WaitGroup
	for range min(opts.Jobs, max(len(queue), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range todo {
				r := runChild(ctx, j, opts)
				mu.Lock()
				rep.Databases = append(rep.Databases, r)
				rep.Summary.count(r)
				if opts.OnDone != nil {
					opts.OnDone(r)
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range queue {
		todo <- j
	}
	close(todo)
	wg.Wait()
	slices.SortFunc(rep.Databases, func(a, b *Result) int { return cmp.Compare(a.Input, b.Input) })
	s := &rep.Summary
	s.Jobs, s.MemoryBudget = opts.Jobs, opts.Memory
	s.TimeBudgetMS = float64(opts.Timeout.Milliseconds())
	s.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	if s.ElapsedMS > 0 {
		s.DatabasesPerSecond = float64(s.Databases) / (s.ElapsedMS / 1000)
	}
	return rep, nil
}
