package btree_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
)

func TestPayloadOverflowChains(t *testing.T) {
	const ps = 512
	per := ps - 4
	// With local = K the rest fills whole overflow pages: here exactly three.
	size := int64(3*per + 100)
	payload := pattern(int(size))
	local := btree.LocalSize(btree.TableLeaf, ps, size)
	rest := payload[local:]

	tests := []struct {
		name    string
		build   func(m *memPages)
		want    []byte // the payload (prefix) expected back
		chain   []uint32
		cause   error
		errPage uint32
	}{
		{
			name: "intact",
			build: func(m *memPages) {
				m.overflowPage(3, 4, rest[:per])
				m.overflowPage(4, 5, rest[per:2*per])
				m.overflowPage(5, 0, rest[2*per:])
			},
			want: payload, chain: []uint32{3, 4, 5},
		},
		{
			name: "loop",
			build: func(m *memPages) {
				m.overflowPage(3, 4, rest[:per])
				m.overflowPage(4, 3, rest[per:2*per])
			},
			want: payload[:local+2*per], chain: []uint32{3, 4}, cause: btree.ErrLoop, errPage: 4,
		},
		{
			name: "cut",
			build: func(m *memPages) {
				m.overflowPage(3, 0, rest[:per])
			},
			want: payload[:local+per], chain: []uint32{3}, cause: btree.ErrTruncated, errPage: 3,
		},
		{
			name: "out of range",
			build: func(m *memPages) {
				m.overflowPage(3, 4, rest[:per])
				m.overflowPage(4, 9999, rest[per:2*per])
			},
			want: payload[:local+2*per], chain: []uint32{3, 4}, cause: btree.ErrOutOfRange, errPage: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemPages(ps, 10)
			m.btreePage(2, btree.TableLeaf, 0, tableLeafCell(ps, 1, payload, size, 3))
			tt.build(m)
			r := m.reader()
			p, err := r.Page(2)
			if err != nil {
				t.Fatal(err)
			}
			c, err := p.Cell(0)
			if err != nil {
				t.Fatal(err)
			}
			got, chain, err := r.Payload(c)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("payload: got %d bytes, want %d (equal prefix: %v)", len(got), len(tt.want), bytes.HasPrefix(tt.want, got))
			}
			if !equalU32(chain, tt.chain) {
				t.Errorf("chain %v, want %v", chain, tt.chain)
			}
			if tt.cause == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ce *btree.CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, tt.cause) || ce.Pgno != tt.errPage {
				t.Fatalf("error %v (%T), want cause %v on page %d", err, err, tt.cause, tt.errPage)
			}
		})
	}
}

// TestPayloadHugeClaim checks that a cell claiming the largest payload
// allocates only what its (cut) chain actually holds.
func TestPayloadHugeClaim(t *testing.T) {
	const ps = 65536
	m := newMemPages(ps, 3)
	m.btreePage(2, btree.TableLeaf, 0, tableLeafCell(ps, 1, make([]byte, ps), btree.MaxPayload, 3))
	m.overflowPage(3, 0, nil)
	r := m.reader()
	p, _ := r.Page(2)
	c, err := p.Cell(0)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := r.Payload(c)
	if !errors.Is(err, btree.ErrTruncated) || len(got) != len(c.Local)+ps-4 {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
	if cap(got) > 32*ps {
		t.Errorf("allocated %d bytes for a payload of which %d exist", cap(got), len(got))
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
