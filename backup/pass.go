package backup

import (
	"context"
	"fmt"
	"sync"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// A pageSink receives the pages of one pass over a snapshot, in page
// order, as scan reads them: a file copy (fileCopy), the segments of a
// version in a store (packer), or nothing at all when a pass only hashes.
type pageSink interface {
	// begin starts a pass over src; it is called again when a pass
	// starts over (the WAL was restarted under the first one), and then
	// forgets what the earlier pass gave it. fullSpeed says whether the
	// pace lets the pass run flat out.
	begin(src pagefile.Source, fullSpeed bool) error
	// put takes the pages first+1 … first+len(crcs) and their CRCs. data
	// is only valid during the call.
	put(ctx context.Context, first int, data []byte, crcs []uint32) error
	// slow is called once when the pace leaves full speed (writers seen,
	// or a fixed pause).
	slow() error
	// end is called after the last page.
	end() error
}

// scan reads every page of src in runs of StepPages pages (readRuns),
// hands each run to sink (when there is one, pausing between runs as the
// pace says; see pacer, walPath is the database's WAL) and returns the
// CRC32C of every page. Progress is reported under phase.
//
// One pass over the snapshot is what every backup is made of: a full
// copy to a file, the hash of an update, and the upload of a version all
// read, hash and pace here, so the three cannot drift apart.
func scan(ctx context.Context, src pagefile.Source, sink pageSink, walPath string, o *Options, res *Result, phase string) ([]uint32, error) {
	ps, count := src.PageSize(), int(src.PageCount())
	crcs := make([]uint32, count)
	// Two buffers: one is read while the other's pages are used. (Two
	// writers at once were slower: writes to one file take its lock.)
	runs, stop := readRuns(src, runPages(o, ps), crcs, 2)
	defer stop()
	var pace *pacer
	if sink != nil {
		pace = newPacer(walPath, o.Pause)
		if err := sink.begin(src, pace.fullSpeed()); err != nil {
			return nil, err
		}
	}
	slowed := false
	for r := range runs {
		if r.err != nil {
			return nil, r.err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := len(r.data) / ps
		done := r.first + n
		if sink == nil {
			o.progress(phase, done, count)
			r.release()
			continue
		}
		if err := sink.put(ctx, r.first, r.data, crcs[r.first:done]); err != nil {
			return nil, err
		}
		res.Steps++
		o.progress(phase, done, count)
		r.release()
		pause := pace.after(len(r.data))
		if !pace.fullSpeed() && !slowed {
			slowed = true
			if err := sink.slow(); err != nil {
				return nil, err
			}
		}
		if done < count {
			sleep(ctx, pause)
		}
	}
	if sink == nil {
		return crcs, nil
	}
	res.WritersSeen = pace.busy
	if err := sink.end(); err != nil {
		return nil, err
	}
	return crcs, nil
}

// pageRun is a run of consecutive pages read and hashed by readRuns.
type pageRun struct {
	first   int    // index of the first page (page number - 1)
	data    []byte // the pages
	err     error
	release func() // hands the buffer back for another run
}

// readRuns reads src in runs of step pages, in order, from a goroutine of
// its own with the given number of buffers, storing each page's CRC in
// crcs. The runs come out of the channel, which is closed after the last
// (or after a run that carries an error). stop ends the goroutine and
// waits for it: call it before src goes away.
func readRuns(src pagefile.Source, step int, crcs []uint32, buffers int) (<-chan pageRun, func()) {
	ps, count := src.PageSize(), len(crcs)
	free := make(chan []byte, buffers)
	for range buffers {
		free <- make([]byte, step*ps)
	}
	out := make(chan pageRun, 1)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		for first := 0; first < count; first += step {
			var buf []byte
			select {
			case buf = <-free:
			case <-quit:
				return
			}
			n := min(step, count-first)
			r := pageRun{first: first, data: buf[:n*ps], release: func() { free <- buf }}
			if err := pagefile.ReadPages(src, uint32(first+1), r.data); err != nil {
				r.err = fmt.Errorf("backup: reading pages %d-%d of the snapshot: %w", first+1, first+n, err)
			} else {
				for i := range n {
					crcs[first+i] = master.PageCRC(r.data[i*ps : (i+1)*ps])
				}
			}
			select {
			case out <- r:
			case <-quit:
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	return out, func() {
		close(quit)
		wg.Wait()
	}
}

// maxRunBytes bounds the buffer of one run of readRuns, whatever
// StepPages asks for.
const maxRunBytes = 16 << 20

// runPages is how many pages of ps bytes one step reads: StepPages, within
// maxRunBytes.
func runPages(o *Options, ps int) int { return min(o.StepPages, max(1, maxRunBytes/ps)) }
