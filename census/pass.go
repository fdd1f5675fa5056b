package census

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// readAheadBytes is the largest run of pages the pass reads at once.
const readAheadBytes = 256 << 10

// progressEvery is how many pages pass between progress reports and
// cancellation checks.
const progressEvery = 4096

// readEveryPage reads every page no walk read, in file order: it records
// each page's CRC and cell count, and judges the content of every page
// nothing claimed (zero, a b-tree page no walk reached, unknown,
// unreadable). Interior pages raise maxChild, so that pages pointed at
// beyond the end of the file are noticed.
//
// Pages are judged each on its own, so the pass runs on every core, each
// taking the next run of passChunk pages through a read-ahead window of
// its own: the result does not depend on which core read which page.
func (c *Census) readEveryPage(ctx context.Context, progress func(done, total int)) error {
	total := len(c.Pages)
	workers := min(runtime.GOMAXPROCS(0), max(1, total/passChunk))
	var next, done atomic.Int64
	children := make([]uint32, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Only the first worker reports progress, so that the
			// callback is never called concurrently.
			report := progress
			if w > 0 {
				report = nil
			}
			children[w], errs[w] = c.readPages(ctx, &next, &done, report)
		}()
	}
	wg.Wait()
	for w := range workers {
		if errs[w] != nil {
			return errs[w]
		}
		c.maxChild = max(c.maxChild, children[w])
	}
	if progress != nil {
		progress(total, total)
	}
	return nil
}

// passChunk is how many pages a core of the pass takes at a time: runs
// long enough for the read-ahead window, short enough that a file of a few
// hundred pages is shared.
const passChunk = 256

// readPages is one core's share of readEveryPage: it takes runs of pages
// from next until none is left, and returns the largest child page number
// of the interior pages it read.
func (c *Census) readPages(ctx context.Context, next, done *atomic.Int64, progress func(done, total int)) (uint32, error) {
	src := pagefile.NewReadAhead(c.File, readAheadBytes)
	buf := make([]byte, c.File.Geometry.PageSize)
	usable := c.File.Usable()
	total := len(c.Pages)
	var maxChild uint32
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		first := int(next.Add(passChunk)) - passChunk
		if first >= total {
			return maxChild, nil
		}
		if progress != nil {
			progress(int(done.Load()), total)
		}
		last := min(first+passChunk, total)
		for i := first; i < last; i++ {
			maxChild = max(maxChild, c.readPage(src, uint32(i+1), buf, usable))
		}
		done.Add(int64(last - first))
	}
}

// readPage reads and judges one page for readEveryPage, and returns the
// largest child page number it points to (0 for a leaf or a page that
// does not parse).
func (c *Census) readPage(src pagefile.Source, pgno uint32, buf []byte, usable int) uint32 {
	p := &c.Pages[pgno-1]
	if c.read[pgno-1] {
		return 0
	}
	if err := src.ReadPage(pgno, buf); err != nil {
		if p.Class == Unclassified {
			p.Class = Unreadable
		}
		return 0
	}
	p.CRC = crcOf(buf)
	if p.Class != Unclassified && !p.Class.BTree() {
		return 0
	}
	bp, err := btree.ParsePage(pgno, buf, usable)
	switch {
	case err == nil:
		p.Cells = uint16(min(bp.CellCount, 65535))
		if p.Class == Unclassified {
			// Not reached, or pointed at by a tree whose walk could
			// not use it (a page of another kind): an orphan.
			p.Class, p.Tree = ClassOf(bp.Type), -1
		}
		return largestChild(bp)
	case p.Class != Unclassified:
		// Claimed by a walk, so it parsed then: the source changed.
	case pagefile.AllZero(buf):
		p.Class = Zero
	default:
		p.Class = Unknown
	}
	return 0
}

// largestChild is the largest page number an interior page points to.
func largestChild(p *btree.Page) uint32 {
	if p.Type.Leaf() {
		return 0
	}
	m := p.RightChild
	for i := 0; i < p.CellCount; i++ {
		if cell, err := p.Cell(i); err == nil {
			m = max(m, cell.LeftChild)
		}
	}
	return m
}

// groupOrphans turns the b-tree pages no walk reached into orphan trees:
// each topmost orphan page (one no other orphan interior page points to)
// is walked with what hangs below it that nobody owns. Pages left over
// (orphans that point at each other in a loop) become trees of their own.
func (c *Census) groupOrphans(ctx context.Context) error {
	isChild := map[uint32]bool{}
	var orphans []uint32
	buf := make([]byte, c.File.Geometry.PageSize)
	for i, p := range c.Pages {
		if !p.Class.BTree() || p.Tree >= 0 {
			continue
		}
		pgno := uint32(i + 1)
		orphans = append(orphans, pgno)
		if p.Class.Leaf() || c.File.ReadPage(pgno, buf) != nil {
			continue
		}
		if bp, err := btree.ParsePage(pgno, buf, c.File.Usable()); err == nil {
			for j := 0; j < bp.CellCount; j++ {
				if cell, err := bp.Cell(j); err == nil {
					isChild[cell.LeftChild] = true
				}
			}
			isChild[bp.RightChild] = true
		}
	}
	for pass := 0; pass < 2; pass++ {
		for n, pgno := range orphans {
			if n%progressEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if c.Pages[pgno-1].Tree >= 0 || (pass == 0 && isChild[pgno]) {
				continue
			}
			c.walkOrphan(pgno)
		}
	}
	return nil
}

// walkOrphan walks the orphan tree topped by root, entering only pages
// nobody owns, and gives them to a new tree.
func (c *Census) walkOrphan(root uint32) {
	t := c.addTree(&Tree{Root: root, From: FromOrphan, IndexTree: !c.Pages[root-1].Class.table()})
	res, _ := c.walker.WalkTree(root, btree.WalkOptions{
		ChainsOnly: true,
		Skip: func(pgno uint32) bool {
			p := c.Pages[pgno-1]
			return p.Tree >= 0 || !p.Class.BTree()
		},
		OnPage: func(p *btree.Page) { c.Pages[p.Pgno-1].Tree = int32(t.Index) },
	})
	t.Walk = res
	for _, o := range res.Overflow {
		// A stray overflow page was judged unknown: it is this tree's.
		if p := &c.Pages[o-1]; p.Tree < 0 && (p.Class == Unknown || p.Class == Zero) {
			p.Class, p.Tree = Overflow, int32(t.Index)
		}
	}
}

// table reports whether c is a table (rowid) b-tree class.
func (c Class) table() bool { return c == TableInterior || c == TableLeaf }

// countMissing decides how many pages the file lacks at its end. The
// header's page count alone does not say so (a damaged header can claim
// billions of pages), so it is believed only when something corroborates
// a truncation: an interior page pointing beyond the end, a last page cut
// short, a walk or the freelist reaching beyond the end. The hint's page
// count, interior pages' children and the trusted header each give a
// size; the largest wins.
func (c *Census) countMissing(maxChild uint32, hint Hint) {
	count := uint32(len(c.Pages))
	beyond := maxChild > count
	if c.File.Main != nil && c.File.Main.PartialTail > 0 && c.File.WAL == nil {
		beyond = true
	}
	for _, t := range c.Trees {
		if t.Walk != nil && anyPastEnd(t.Walk.Errors) {
			beyond = true
		}
	}
	if c.Freelist != nil && anyPastEnd(c.Freelist.Problems) {
		beyond = true
	}
	if !beyond {
		return
	}
	size, why := maxChild, "interior pages point beyond the end"
	if maxChild > plausibleGrowth*count+plausibleSlack {
		// A child pointer that far beyond the end is damage, not a
		// truncation: no file loses that much and keeps its interior.
		size = 0
	}
	if h := c.File.Header; h != nil && h.DatabaseSizeTrusted() && c.File.WAL == nil && h.DatabaseSize > count {
		size, why = h.DatabaseSize, "the header's page count"
	}
	if hint.PageCount > size {
		size, why = hint.PageCount, "the metadata backup's page count"
	}
	if size > count {
		c.Missing = size - count
		c.MissingWhy = fmt.Sprintf("%s (%d) exceeds the %d pages in the file", why, size, count)
	}
}

// A truncated file's interior pages point at most this far beyond its end
// (plausibleGrowth times its pages, plus plausibleSlack), unless a header or
// a hint says more: a pointer beyond is garbage.
const (
	plausibleGrowth = 16
	plausibleSlack  = 1024
)

func anyPastEnd(errs []error) bool {
	for _, e := range errs {
		if errors.Is(e, pagefile.ErrPastEnd) {
			return true
		}
	}
	return false
}
