package backup

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/dbrescue/dbrescue/pagefile"
)

// copyPages writes every page of src, the open snapshot read from the
// database file and WAL (master.SnapshotSource), into the empty file f,
// StepPages pages per step with pauses between steps (see pacer; walPath
// is the database's WAL), and returns the CRC32C of each page: one pass
// (scan) whose sink is a fileCopy. f is synced when copyPages returns.
func copyPages(ctx context.Context, src pagefile.Source, f *os.File, walPath string, o *Options, res *Result) ([]uint32, error) {
	sink := &fileCopy{f: f}
	defer sink.stopBehind() //nolint:errcheck // on error paths; the success path checks end
	crcs, err := scan(ctx, src, sink, walPath, o, res, PhaseCopy)
	if err != nil {
		return nil, err
	}
	return crcs, sink.sync()
}

// fileCopy is the sink of a pass that copies the snapshot into a file.
// Each step reads its run of pages with one read (SQLite's backup API
// makes a system call per page). Pages that the snapshot takes unchanged
// from the database file are copied file to file inside the kernel
// (copy_file_range, as cp does), which on the machine this was measured
// on was several times faster than writing them from memory; the others
// (pages from the WAL, pages past the file's end, which read as zeros)
// are written from the buffer. Both reads of a file page see the same
// bytes: while the read transaction is open, SQLite changes no page of
// the main file that the snapshot reads from it (see
// master.SnapshotSource).
type fileCopy struct {
	f      *os.File
	files  *snapshotFiles
	ps     int
	behind *syncBehind
}

func (c *fileCopy) begin(src pagefile.Source, fullSpeed bool) error {
	if c.behind != nil {
		_ = c.behind.stop() // a pass that starts over: its copy is thrown away
	}
	if err := rewind(c.f); err != nil {
		return err
	}
	c.files, c.ps = underlyingFile(src), src.PageSize()
	c.behind = startSyncBehind(c.f, fullSpeed)
	return nil
}

func (c *fileCopy) put(_ context.Context, first int, data []byte, _ []uint32) error {
	if err := c.files.write(c.f, uint32(first+1), data, c.ps); err != nil {
		return fmt.Errorf("backup: writing the copy: %w", err)
	}
	return nil
}

// slow stops the fsyncs behind the copy: writers are busy, and the copy
// stops competing with them for the disk.
func (c *fileCopy) slow() error { return c.stopBehind() }

func (c *fileCopy) end() error { return c.stopBehind() }

func (c *fileCopy) stopBehind() error {
	if c.behind == nil {
		return nil
	}
	if err := c.behind.stop(); err != nil {
		return fmt.Errorf("backup: syncing the copy: %w", err)
	}
	return nil
}

// sync makes the finished copy durable.
func (c *fileCopy) sync() error {
	if err := c.f.Sync(); err != nil {
		return fmt.Errorf("backup: syncing the copy: %w", err)
	}
	return nil
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

// passSink is the sink of a pass under plan p: a copy into a new temporary
// file of t when p.copyFile (tmp), else p.sink. done, deferred by the
// caller, stops the copy's background syncs (on error paths; the success
// path checks them at end) and removes the temporary file.
func passSink(t target, p plan) (sink pageSink, tmp *os.File, done func(), err error) {
	if !p.copyFile {
		return p.sink, nil, func() {}, nil
	}
	if tmp, err = t.tempFile(); err != nil {
		return nil, nil, nil, err
	}
	c := &fileCopy{f: tmp}
	return c, tmp, func() {
		_ = c.stopBehind()
		tmp.Close()
		os.Remove(tmp.Name())
	}, nil
}
