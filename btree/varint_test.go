package btree_test

import (
	"math"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
)

func TestVarint(t *testing.T) {
	tests := []struct {
		v   uint64
		enc []byte
	}{
		{0, []byte{0x00}},
		{127, []byte{0x7f}},
		{128, []byte{0x81, 0x00}},
		{16383, []byte{0xff, 0x7f}},
		{16384, []byte{0x81, 0x80, 0x00}},
		{1<<56 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{1 << 56, []byte{0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}},
		{math.MaxUint64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		if got := btree.AppendVarint(nil, tt.v); string(got) != string(tt.enc) {
			t.Errorf("AppendVarint(%d) = % x, want % x", tt.v, got, tt.enc)
		}
		v, n := btree.Varint(append(tt.enc, 0xaa, 0xbb))
		if v != tt.v || n != len(tt.enc) {
			t.Errorf("Varint(% x) = %d, %d; want %d, %d", tt.enc, v, n, tt.v, len(tt.enc))
		}
		if _, n := btree.Varint(tt.enc[:len(tt.enc)-1]); n != 0 {
			t.Errorf("Varint of truncated % x read %d bytes, want 0", tt.enc, n)
		}
	}
}

func TestVarintRoundTrip(t *testing.T) {
	for shift := 0; shift < 64; shift++ {
		for _, v := range []uint64{1<<shift - 1, 1 << shift, 1<<shift + 1} {
			enc := btree.AppendVarint(nil, v)
			if got, n := btree.Varint(enc); got != v || n != len(enc) || n > btree.MaxVarintLen {
				t.Fatalf("round trip of %d: got %d in %d bytes (% x)", v, got, n, enc)
			}
		}
	}
}
