package recover_test

import (
	"context"
	"math"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/dbrescue/dbrescue/recover"
)

// BoundHeap sets a soft heap limit while the rows load and puts back the
// one it found; a limit set already, or a repair without BoundHeap, is
// left alone. (Not parallel: the limit is the process's.)
func TestBoundHeap(t *testing.T) {
	dir := t.TempDir()
	path := newDB(t, dir, "heap.db",
		`CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO t(v) SELECT printf('row %d', i) FROM n`)
	found := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(found)
	limitWhileLoading := func(opts recover.Options) int64 {
		t.Helper()
		seen := int64(-1)
		opts.Output = filepath.Join(t.TempDir(), "out.db")
		opts.Progress = func(phase string, _, _ int) {
			if phase == recover.PhaseRows {
				seen = debug.SetMemoryLimit(-1)
			}
		}
		repair(t, path, opts)
		if seen == -1 {
			t.Fatal("no rows phase reported")
		}
		return seen
	}

	debug.SetMemoryLimit(math.MaxInt64)
	if got := limitWhileLoading(recover.Options{BoundHeap: true}); got == math.MaxInt64 || got < 128<<20 || got > 256<<20 {
		t.Errorf("limit while loading with BoundHeap: %d, want a limit of 128-256 MiB for a small file", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit after the repair: %d, want none (as before)", got)
	}
	if got := limitWhileLoading(recover.Options{}); got != math.MaxInt64 {
		t.Errorf("limit while loading without BoundHeap: %d, want none", got)
	}

	// Repairs at once share the limit; the last one out puts back none.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := filepath.Join(t.TempDir(), "out.db")
			if _, err := recover.Repair(context.Background(), path, recover.Options{Output: out, BoundHeap: true}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit after repairs at once: %d, want none (as before)", got)
	}

	const preset = 3 << 30
	debug.SetMemoryLimit(preset)
	if got := limitWhileLoading(recover.Options{BoundHeap: true}); got != preset {
		t.Errorf("limit while loading with one set already: %d, want it kept (%d)", got, int64(preset))
	}
	if got := debug.SetMemoryLimit(-1); got != preset {
		t.Errorf("limit after the repair: %d, want %d", got, int64(preset))
	}
}
