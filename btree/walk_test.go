package btree_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
)

// threeLeafTree builds a table b-tree: interior root 2 over leaves 3, 4, 5
// holding rowids 1-3, 4-6 and 7-9, each row's payload the record (rowid).
func threeLeafTree() *memPages {
	m := newMemPages(512, 60)
	m.btreePage(2, btree.TableInterior, 5, tableInteriorCell(3, 3), tableInteriorCell(4, 6))
	for leaf, first := range map[uint32]int64{3: 1, 4: 4, 5: 7} {
		var cells [][]byte
		for id := first; id < first+3; id++ {
			rec := record([]uint64{1}, byte(id))
			cells = append(cells, tableLeafCell(512, id, rec, int64(len(rec)), 0))
		}
		m.btreePage(leaf, btree.TableLeaf, 0, cells...)
	}
	return m
}

func TestWalkSurvivesDamage(t *testing.T) {
	all := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	tests := []struct {
		name    string
		damage  func(m *memPages)
		want    []int64
		cause   error
		errPage uint32
	}{
		{"intact", func(*memPages) {}, all, nil, 0},
		{"bad cell pointer loses one cell", func(m *memPages) {
			binary.BigEndian.PutUint16(m.pages[4][8+2:], 0xfff0) // cell 1 of leaf 4
		}, []int64{1, 2, 3, 4, 6, 7, 8, 9}, btree.ErrOutOfRange, 4},
		{"child loops to the root", func(m *memPages) {
			m.btreePage(4, btree.TableInterior, 2)
		}, []int64{1, 2, 3, 7, 8, 9}, btree.ErrLoop, 4},
		{"index page in a table tree", func(m *memPages) {
			m.pages[4][0] = byte(btree.IndexLeaf)
		}, []int64{1, 2, 3, 7, 8, 9}, btree.ErrBadValue, 4},
		{"zeroed leaf", func(m *memPages) {
			clear(m.pages[4])
		}, []int64{1, 2, 3, 7, 8, 9}, btree.ErrBadValue, 4},
		{"child beyond the file", func(m *memPages) {
			m.btreePage(2, btree.TableInterior, 5, tableInteriorCell(3, 3), tableInteriorCell(999, 6))
		}, []int64{1, 2, 3, 7, 8, 9}, btree.ErrOutOfRange, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := threeLeafTree()
			tt.damage(m)
			r := m.reader()
			var got []int64
			res, err := r.Walk(2, func(e *btree.Entry) error {
				vals, err := r.Record(e.Payload)
				if err != nil || vals[0] != e.Rowid {
					t.Errorf("row %d: record %v, %v", e.Rowid, vals, err)
				}
				got = append(got, e.Rowid)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rowids (-want +got):\n%s", diff)
			}
			if tt.cause == nil {
				if len(res.Errors) != 0 {
					t.Errorf("errors on an intact tree: %v", res.Errors)
				}
				return
			}
			if len(res.Errors) != 1 {
				t.Fatalf("want one error, got %v", res.Errors)
			}
			var ce *btree.CorruptError
			if !errors.As(res.Errors[0], &ce) || !errors.Is(ce, tt.cause) || ce.Pgno != tt.errPage {
				t.Errorf("error %v, want cause %v on page %d", res.Errors[0], tt.cause, tt.errPage)
			}
		})
	}
}

func TestWalkDepthGuard(t *testing.T) {
	const levels = btree.MaxDepth + 10
	m := newMemPages(512, levels+2)
	for pg := uint32(2); pg < levels+1; pg++ {
		m.btreePage(pg, btree.TableInterior, pg+1)
	}
	m.btreePage(levels+1, btree.TableLeaf, 0)
	res, err := m.reader().Walk(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || !errors.Is(res.Errors[0], btree.ErrLoop) {
		t.Fatalf("want one depth error, got %v", res.Errors)
	}
	if len(res.Pages) != btree.MaxDepth+1 {
		t.Errorf("walked %d pages, want %d", len(res.Pages), btree.MaxDepth+1)
	}
}

func TestWalkStopsOnCallbackError(t *testing.T) {
	r := threeLeafTree().reader()
	n := 0
	_, err := r.Walk(2, func(*btree.Entry) error {
		if n++; n == 4 {
			return btree.ErrStop
		}
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("ErrStop: err %v after %d entries", err, n)
	}
	boom := errors.New("boom")
	if _, err := r.Walk(2, func(*btree.Entry) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("callback error not returned: %v", err)
	}
}

func TestSpaceRejectsBrokenFreeblocks(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(img []byte)
		cause error
	}{
		{"freeblock chain loops", func(img []byte) {
			// Two freeblocks in the gap before the cells, the second pointing back.
			binary.BigEndian.PutUint16(img[1:], 300)
			binary.BigEndian.PutUint16(img[5:], 300)
			binary.BigEndian.PutUint16(img[300:], 310)
			binary.BigEndian.PutUint16(img[302:], 8)
			binary.BigEndian.PutUint16(img[310:], 300)
			binary.BigEndian.PutUint16(img[312:], 8)
		}, btree.ErrLoop},
		{"cells overlap", func(img []byte) {
			off := binary.BigEndian.Uint16(img[8:])
			binary.BigEndian.PutUint16(img[10:], off+1)
		}, btree.ErrBadValue},
		{"accounting does not add up", func(img []byte) {
			img[7] = 9 // fragmented bytes that are not there
		}, btree.ErrBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := threeLeafTree()
			tt.edit(m.pages[3])
			p, err := m.reader().Page(3)
			if err == nil {
				err = p.Validate()
			}
			if !errors.Is(err, tt.cause) {
				t.Fatalf("error %v, want %v", err, tt.cause)
			}
		})
	}
}

// TestWalkOnOverflow checks that OnOverflow sees every overflow page the
// walk lists, in the same order, with the page's own image, whether
// payloads are assembled or not and when a chain breaks.
func TestWalkOnOverflow(t *testing.T) {
	const ps = 512
	per := ps - 4
	size := int64(2*per + 100) // two overflow pages per row
	payload := pattern(int(size))
	local := btree.LocalSize(btree.TableLeaf, ps, size)
	build := func() *memPages {
		m := newMemPages(ps, 12)
		m.btreePage(2, btree.TableLeaf, 0, tableLeafCell(ps, 1, payload, size, 3), tableLeafCell(ps, 2, payload, size, 7))
		m.overflowPage(3, 4, payload[local:local+per])
		m.overflowPage(4, 0, payload[local+per:])
		m.overflowPage(7, 8, payload[local:local+per])
		m.overflowPage(8, 0, payload[local+per:])
		return m
	}
	broken := build()
	broken.overflowPage(7, 3, payload[local:local+per]) // row 2's chain runs into row 1's
	for _, tt := range []struct {
		name       string
		m          *memPages
		chainsOnly bool
		want       []uint32
	}{
		{"chains only", build(), true, []uint32{3, 4, 7, 8}},
		{"payloads", build(), false, []uint32{3, 4, 7, 8}},
		{"broken chain", broken, true, []uint32{3, 4, 7}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var seen []uint32
			res, err := tt.m.reader().WalkTree(2, btree.WalkOptions{ChainsOnly: tt.chainsOnly, OnOverflow: func(pgno uint32, img []byte) {
				seen = append(seen, pgno)
				if diff := cmp.Diff(tt.m.pages[pgno], img); diff != "" {
					t.Errorf("page %d image (-file +hook):\n%s", pgno, diff)
				}
			}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, seen); diff != "" {
				t.Errorf("pages seen by OnOverflow (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(res.Overflow, seen); diff != "" {
				t.Errorf("OnOverflow differs from WalkResult.Overflow (-result +hook):\n%s", diff)
			}
		})
	}
}
