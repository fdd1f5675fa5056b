package backup

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// copyPages writes every page of src, the open snapshot read from the
// database file and WAL (master.SnapshotSource), into the empty file f,
// StepPages pages per step with pauses between steps (see pacer; walPath
// is the database's WAL), and returns the CRC32C of each page.
//
// Each step reads its run of pages with one read (SQLite's backup API
// makes a system call per page) and hashes them, in a goroutine that
// reads the next run while this one writes the last. Pages that the
// snapshot takes unchanged from the database file are copied file to file
// inside the kernel (copy_file_range, as cp does), which on the machine
// this was measured on was several times faster than writing them from
// memory; the others (pages from the WAL, pages past the file's end,
// which read as zeros) are written from the buffer. Both reads of a file
// page see the same bytes: while the read transaction is open, SQLite
// changes no page of the main file that the snapshot reads from it (see
// master.SnapshotSource). f is synced when copyPages returns.
func copyPages(ctx context.Context, src pagefile.Source, f *os.File, walPath string, o *Options, res *Result) ([]uint32, error) {
	ps, count := src.PageSize(), int(src.PageCount())
	crcs := make([]uint32, count)
	files := underlyingFile(src)
	// Two buffers: one is read while the other's pages are written. (Two
	// writers at once were slower: writes to one file take its lock.)
	runs, stop := readRuns(src, runPages(o, ps), crcs, 2)
	defer stop()
	pace := newPacer(walPath, o.Pause)
	behind := startSyncBehind(f, pace.fullSpeed())
	defer behind.stop() //nolint:errcheck // on error paths; the success path checks stop
	for r := range runs {
		if r.err != nil {
			return nil, r.err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := files.write(f, uint32(r.first+1), r.data, ps); err != nil {
			return nil, fmt.Errorf("backup: writing the copy: %w", err)
		}
		res.Steps++
		done := r.first + len(r.data)/ps
		o.progress(PhaseCopy, done, count)
		r.release()
		pause := pace.after(len(r.data))
		if !pace.fullSpeed() {
			// Writers are busy: stop competing with them for the disk.
			if err := behind.stop(); err != nil {
				return nil, fmt.Errorf("backup: syncing the copy: %w", err)
			}
		}
		if done < count {
			sleep(ctx, pause)
		}
	}
	res.WritersSeen = pace.busy
	if err := behind.stop(); err != nil {
		return nil, fmt.Errorf("backup: syncing the copy: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("backup: syncing the copy: %w", err)
	}
	return crcs, nil
}

// syncBehind fsyncs a file over and over from a goroutine of its own while
// a copy is written into it, so that the disk writes the copy as it is
// made rather than all at the end. On the 1 GB benchmark (2 cores) the
// whole backup took 0.70 s without it and 0.55 s with it (medians of six),
// and the longest commit of a writer in another process during backups
// went from 166 ms (the final fsync of 1 GB) to 8 ms. But the constant
// fsyncs (file system journal commits) also slow that writer's ordinary
// commits: its p99 was 4-10x its p99 without a backup, against 1.4-2.2x
// without them when the copy pauses between steps. So it runs only while
// the copy runs at full speed (see pacer): once writers are seen, or with
// a fixed pause, the copy is asked to stay out of their way. (Asking for
// writeback with sync_file_range after each step instead made the copy
// wait for the disk: 1.1-1.3 s.)
type syncBehind struct {
	f    *os.File
	quit atomic.Bool
	done chan struct{}
	err  error // the first fsync error; read after done is closed
}

// startSyncBehind starts the fsyncs, or, when on is false, returns a
// syncBehind that does nothing.
func startSyncBehind(f *os.File, on bool) *syncBehind {
	s := &syncBehind{f: f, done: make(chan struct{})}
	if !on {
		close(s.done)
		return s
	}
	go func() {
		defer close(s.done)
		for {
			// An error must not be lost: Linux reports a failed
			// writeback to one fsync only.
			if err := f.Sync(); err != nil {
				s.err = err
				return
			}
			if s.quit.Load() {
				return
			}
		}
	}()
	return s
}

// stop ends the fsyncs, waits for the one under way and returns the first
// error any of them met. Calling it again returns the same.
func (s *syncBehind) stop() error {
	s.quit.Store(true)
	<-s.done
	return s.err
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

// snapshotFiles says which pages of a snapshot source are the database
// file's bytes unchanged, so that they can be copied file to file.
type snapshotFiles struct {
	main      *os.File      // nil: write every page from memory
	fullPages uint32        // whole pages the main file holds
	wal       *pagefile.WAL // pages it holds are not the file's
}

// underlyingFile finds the database file under src, a source returned by
// master.SnapshotSource: the main file alone, or with WAL commits
// overlaid. Any other source (sqlite_dbpage) has none.
func underlyingFile(src pagefile.Source) *snapshotFiles {
	var main *pagefile.ReaderSource
	var wal *pagefile.WAL
	switch s := src.(type) {
	case *pagefile.ReaderSource:
		main = s
	case *pagefile.WALOverlay:
		main, _ = s.Base().(*pagefile.ReaderSource)
		wal = s.WAL()
	}
	if main == nil {
		return &snapshotFiles{}
	}
	f, ok := main.ReaderAt().(*os.File)
	if !ok {
		return &snapshotFiles{}
	}
	return &snapshotFiles{main: f, fullPages: uint32(main.Size() / int64(main.PageSize())), wal: wal}
}

// fromFile reports whether page pgno of the snapshot is the main file's.
func (s *snapshotFiles) fromFile(pgno uint32) bool {
	return s.main != nil && pgno <= s.fullPages && (s.wal == nil || !s.wal.Has(pgno))
}

// write puts run, the pages first, first+1, … of the snapshot, at their
// place in f: runs of file pages copied in the kernel, the rest written.
func (s *snapshotFiles) write(f *os.File, first uint32, run []byte, ps int) error {
	n := uint32(len(run) / ps)
	for i := uint32(0); i < n; {
		j := i + 1
		file := s.fromFile(first + i)
		for j < n && s.fromFile(first+j) == file {
			j++
		}
		off := int64(first+i-1) * int64(ps)
		part := run[int(i)*ps : int(j)*ps]
		copied := false
		if file {
			var err error
			if copied, err = copyRange(s.main, f, off, int64(len(part))); err != nil {
				return err
			}
			if !copied {
				s.main = nil // the kernel cannot: write from memory from now on
			}
		}
		if !copied {
			if _, err := f.WriteAt(part, off); err != nil {
				return err
			}
		}
		i = j
	}
	return nil
}
