package btree_test

import (
	"encoding/binary"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// memPages is a hand-built database: page images by number, all of size ps.
type memPages struct {
	ps    int
	pages map[uint32][]byte
	count uint32
}

func newMemPages(ps int, count uint32) *memPages {
	return &memPages{ps: ps, pages: map[uint32][]byte{}, count: count}
}

func (m *memPages) source() pagefile.Source {
	return &pagefile.SourceFunc{Size: m.ps, Count: m.count, Read: func(pgno uint32, dst []byte) error {
		clear(dst)
		copy(dst, m.pages[pgno])
		return nil
	}}
}

func (m *memPages) reader() *btree.Reader {
	return btree.NewReader(m.source(), m.ps, pagefile.EncodingUTF8)
}

// btreePage lays out a b-tree page: header, cell pointers, and the cells
// packed at the end of the page in order.
func (m *memPages) btreePage(pgno uint32, typ btree.PageType, right uint32, cells ...[]byte) {
	img := make([]byte, m.ps)
	hdr := 0
	if pgno == 1 {
		hdr = 100
	}
	img[hdr] = byte(typ)
	binary.BigEndian.PutUint16(img[hdr+3:], uint16(len(cells)))
	hsize := 8
	if !typ.Leaf() {
		hsize = 12
		binary.BigEndian.PutUint32(img[hdr+8:], right)
	}
	end := m.ps
	for i, c := range cells {
		end -= len(c)
		copy(img[end:], c)
		binary.BigEndian.PutUint16(img[hdr+hsize+2*i:], uint16(end))
	}
	binary.BigEndian.PutUint16(img[hdr+5:], uint16(end))
	m.pages[pgno] = img
}

// overflowPage writes an overflow page: next pointer, then data.
func (m *memPages) overflowPage(pgno, next uint32, data []byte) {
	img := make([]byte, m.ps)
	binary.BigEndian.PutUint32(img, next)
	copy(img[4:], data)
	m.pages[pgno] = img
}

// tableLeafCell encodes a table leaf cell whose payload is the whole of
// payload, spilling to firstOverflow when it does not fit.
func tableLeafCell(usable int, rowid int64, payload []byte, size int64, firstOverflow uint32) []byte {
	c := btree.AppendVarint(nil, uint64(size))
	c = btree.AppendVarint(c, uint64(rowid))
	local := btree.LocalSize(btree.TableLeaf, usable, size)
	c = append(c, payload[:local]...)
	if int64(local) < size {
		c = binary.BigEndian.AppendUint32(c, firstOverflow)
	}
	return c
}

func tableInteriorCell(left uint32, rowid int64) []byte {
	return btree.AppendVarint(binary.BigEndian.AppendUint32(nil, left), uint64(rowid))
}

// pattern returns n bytes that differ from page to page of an overflow
// chain, so a wrong order or a repeated page shows in the result.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestMemPagesValidate(t *testing.T) {
	m := newMemPages(512, 2)
	m.btreePage(2, btree.TableLeaf, 0, tableLeafCell(512, 1, []byte{2, 0x0f, 'x'}, 3, 0))
	p, err := m.reader().Page(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("hand-built page does not validate: %v", err)
	}
}
