package backup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/remote"
)

// Downloads of a version: a segment is read whole when the version uses
// at least half of its bytes (and then its size and CRC32C are checked
// too), else in spans of the frames it uses, merged across gaps of up to
// maxGap bytes and at most maxSpan bytes long.
const (
	maxGap           = 256 << 10
	maxSpan          = 8 << 20
	defaultDownloads = 4
)

// readSpan is one ranged read of a segment and the pages it brings.
type readSpan struct {
	seg      uint32
	off, end int64
	pages    []uint32 // page numbers, in frame order
	whole    bool     // the whole object: check its size and CRC
}

// planSpans plans the reads of every page of v: by segment, in frame order.
func planSpans(v *version) []readSpan {
	order := make([]uint32, len(v.locs))
	for i := range order {
		order[i] = uint32(i + 1)
	}
	sort.Slice(order, func(a, b int) bool {
		la, lb := v.locs[order[a]-1], v.locs[order[b]-1]
		return la.seg < lb.seg || la.seg == lb.seg && la.off < lb.off
	})
	used := make([]int64, len(v.segs))
	for _, l := range v.locs {
		used[l.seg] += int64(l.n)
	}
	var out []readSpan
	for _, pg := range order {
		l := v.locs[pg-1]
		off, end := int64(l.off), int64(l.off)+int64(l.n)
		if k := len(out) - 1; k >= 0 && out[k].seg == l.seg && (out[k].whole || off-out[k].end <= maxGap && end-out[k].off <= maxSpan) {
			out[k].end = max(out[k].end, end)
			out[k].pages = append(out[k].pages, pg)
			continue
		}
		s := readSpan{seg: l.seg, off: off, end: end, pages: []uint32{pg}}
		if 2*used[l.seg] >= v.segs[l.seg].size {
			s.whole, s.off, s.end = true, 0, v.segs[l.seg].size
		}
		out = append(out, s)
	}
	return out
}

// fetchPages downloads every page of v from st into f (page pgno at
// (pgno-1)*page size), with Downloads reads at once, checking every frame
// (and every segment read whole) before its page is written. It returns
// the bytes downloaded.
func fetchPages(ctx context.Context, st remote.Store, v *version, k *Key, f *os.File, workers int, progress func(Progress)) (int64, error) {
	if workers <= 0 {
		workers = defaultDownloads
	}
	spans := planSpans(v)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan readSpan)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		got     atomic.Int64
		written atomic.Int64
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	total := int(v.PageCount)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			page := make([]byte, v.PageSize)
			var scratch []byte
			for s := range work {
				n, err := fetchSpan(ctx, st, v, k, s, f, page, &scratch)
				got.Add(n)
				if err != nil {
					fail(storeErr(st, err))
					continue
				}
				done := written.Add(int64(len(s.pages)))
				if progress != nil {
					progress(Progress{Phase: PhaseWrite, Done: int(done), Total: total})
				}
			}
		}()
	}
	for _, s := range spans {
		select {
		case work <- s:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return got.Load(), first
	}
	return got.Load(), ctx.Err()
}

// fetchSpan reads one readSpan and writes its pages.
func fetchSpan(ctx context.Context, st remote.Store, v *version, k *Key, s readSpan, f *os.File, page []byte, scratch *[]byte) (int64, error) {
	seg := v.segs[s.seg]
	b, err := st.ReadRange(ctx, seg.key, s.off, s.end-s.off)
	if errors.Is(err, remote.ErrNotFound) {
		return 0, fmt.Errorf("%w: segment %s of version %s: %v", ErrMissingObject, seg.key, v.ID, err)
	}
	if err != nil {
		return 0, err
	}
	n := int64(len(b))
	if n != s.end-s.off {
		return n, objectErr(seg.key, s.off+n, pagefile.ErrTruncated, "read %d bytes of %d at offset %d (the version says the segment is %d bytes)", n, s.end-s.off, s.off, seg.size)
	}
	if s.whole {
		if err := checkSegmentHeader(seg.key, b, v.PageSize, k); err != nil {
			return n, err
		}
		if got := segmentCRC(b); got != seg.crc {
			return n, objectErr(seg.key, 0, pagefile.ErrChecksum, "segment CRC32C %08x, the version recorded %08x", got, seg.crc)
		}
	}
	for _, pg := range s.pages {
		l := v.locs[pg-1]
		at := int64(l.off) - s.off
		frame := b[at : at+int64(l.n)]
		if *scratch, err = openFrame(seg.key, int64(l.off), frame, k, v.manifest.CRCs[pg-1], page, *scratch); err != nil {
			return n, err
		}
		if _, err := f.WriteAt(page, int64(pg-1)*int64(v.PageSize)); err != nil {
			return n, err
		}
	}
	return n, nil
}

// imageDigest is the SHA-256 of the first size bytes of f, read in order.
func imageDigest(f *os.File, size int64) ([32]byte, error) {
	h := sha256.New()
	n, err := io.Copy(h, bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 1<<20))
	var d [32]byte
	if err != nil {
		return d, err
	}
	if n != size {
		return d, fmt.Errorf("backup: read %d of %d bytes back", n, size)
	}
	h.Sum(d[:0])
	return d, nil
}

// fetchChecked downloads version v into f (which it sizes) and checks the
// result against the version's whole-image digest.
func fetchChecked(ctx context.Context, st remote.Store, v *version, k *Key, f *os.File, workers int, progress func(Progress)) (int64, error) {
	size := int64(v.PageSize) * int64(v.PageCount)
	if err := f.Truncate(size); err != nil {
		return 0, err
	}
	n, err := fetchPages(ctx, st, v, k, f, workers, progress)
	if err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, err
	}
	d, err := imageDigest(f, size)
	if err != nil {
		return n, err
	}
	if d != v.Digest {
		return n, fmt.Errorf("%w: SHA-256 %x, version %s recorded %x", ErrDigest, d[:8], v.ID, v.Digest[:8])
	}
	return n, nil
}
