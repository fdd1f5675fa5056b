package backup

import (
	"context"
	"crypto/sha256"
	"hash"

	"github.com/dbrescue/dbrescue/pagefile"
)

// packer is the sink of a pass that makes a version in a store: each page
// whose CRC is the one the base version recorded keeps the base's frame
// (its segment joins the new version's table); every other page is
// compressed, sealed and appended to the segment being filled, which goes
// to the uploader once it reaches the segment size. It also hashes the
// whole image in page order, for the version's digest.
type packer struct {
	run     string
	k       *Key
	up      *uploader
	segSize int
	base    *version // nil: every page is uploaded

	ps      int
	segs    []segRef
	locs    []pageLoc
	fromSeg []int32 // base segment index -> index in segs, -1 until used
	w       segmentWriter
	filling bool
	cur     uint32 // index in segs of the segment being filled
	seq     int    // segments started by this run, over every pass
	image   hash.Hash
	pages   uint32 // pages uploaded
	newSegs int
}

func newPacker(run string, k *Key, up *uploader, segSize int, base *version) *packer {
	return &packer{run: run, k: k, up: up, segSize: segSize, base: base, image: sha256.New()}
}

func (p *packer) begin(src pagefile.Source, _ bool) error {
	if p.filling {
		p.up.release(p.w.buf)
		p.filling = false
	}
	// A pass that starts over forgets the segments of the first: they are
	// uploaded already, and no version will name them (Prune removes them).
	p.ps = src.PageSize()
	p.segs, p.locs = p.segs[:0], make([]pageLoc, src.PageCount())
	p.image.Reset()
	p.pages, p.newSegs = 0, 0
	if p.base != nil && p.base.PageSize != p.ps {
		p.base = nil // a new page size: every page is new
	}
	if p.base != nil {
		p.fromSeg = make([]int32, len(p.base.segs))
		for i := range p.fromSeg {
			p.fromSeg[i] = -1
		}
	}
	return nil
}

func (p *packer) put(_ context.Context, first int, data []byte, crcs []uint32) error {
	p.image.Write(data)
	for i, crc := range crcs {
		pgno := first + i + 1
		page := data[i*p.ps : (i+1)*p.ps]
		if b := p.base; b != nil && pgno <= int(b.PageCount) && b.manifest.CRCs[pgno-1] == crc {
			l := b.locs[pgno-1]
			l.seg = p.reuse(l.seg)
			p.locs[pgno-1] = l
			continue
		}
		if !p.filling {
			if err := p.start(); err != nil {
				return err
			}
		}
		l := p.w.add(page)
		l.seg = p.cur
		p.locs[pgno-1] = l
		p.pages++
		if p.w.size() >= p.segSize {
			if err := p.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// reuse returns the index in the new version's table of the base's
// segment bi, adding it on first use.
func (p *packer) reuse(bi uint32) uint32 {
	if p.fromSeg[bi] < 0 {
		p.fromSeg[bi] = int32(len(p.segs))
		p.segs = append(p.segs, p.base.segs[bi])
	}
	return uint32(p.fromSeg[bi])
}

// start begins a new segment in a free upload buffer.
func (p *packer) start() error {
	buf, err := p.up.buffer()
	if err != nil {
		return err
	}
	key := segmentKey(p.run, p.seq)
	p.seq++
	p.w.reset(key, buf, p.ps, p.k)
	p.cur = uint32(len(p.segs))
	p.segs = append(p.segs, segRef{key: key})
	p.filling = true
	return nil
}

// flush hands the segment being filled to the uploader.
func (p *packer) flush() error {
	data := p.w.buf
	p.segs[p.cur].size, p.segs[p.cur].crc = int64(len(data)), segmentCRC(data)
	p.filling = false
	p.newSegs++
	return p.up.send(p.w.key, data)
}

func (p *packer) slow() error { return nil }

func (p *packer) end() error {
	if p.filling {
		return p.flush()
	}
	return nil
}

// digest is the SHA-256 of the image the pass read.
func (p *packer) digest() [32]byte {
	var d [32]byte
	p.image.Sum(d[:0])
	return d
}
