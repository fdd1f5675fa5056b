package btree_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// record builds a record from serial types and body bytes.
func record(types []uint64, body ...byte) []byte {
	var hdr []byte
	for _, t := range types {
		hdr = btree.AppendVarint(hdr, t)
	}
	size := len(hdr) + 1 // header sizes below 128 take one byte
	return append(append(btree.AppendVarint(nil, uint64(size)), hdr...), body...)
}

func TestDecodeRecordSerialTypes(t *testing.T) {
	tests := []struct {
		name  string
		rec   []byte
		enc   uint32
		want  []any
		cause error
	}{
		{"null zero one", record([]uint64{0, 8, 9}), 1, []any{nil, int64(0), int64(1)}, nil},
		{"int8", record([]uint64{1}, 0xff), 1, []any{int64(-1)}, nil},
		{"int16", record([]uint64{2}, 0x80, 0x00), 1, []any{int64(-32768)}, nil},
		{"int24", record([]uint64{3}, 0x7f, 0xff, 0xff), 1, []any{int64(8388607)}, nil},
		{"int32", record([]uint64{4}, 0x80, 0, 0, 0), 1, []any{int64(math.MinInt32)}, nil},
		{"int48", record([]uint64{5}, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff), 1, []any{int64(1<<47 - 1)}, nil},
		{"int64", record([]uint64{6}, 0x80, 0, 0, 0, 0, 0, 0, 0), 1, []any{int64(math.MinInt64)}, nil},
		{"float", record([]uint64{7}, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18), 1, []any{math.Pi}, nil},
		{"empty blob and text", record([]uint64{12, 13}), 1, []any{[]byte{}, ""}, nil},
		{"blob", record([]uint64{12 + 2*3}, 1, 2, 3), 1, []any{[]byte{1, 2, 3}}, nil},
		{"utf8 text", record([]uint64{13 + 2*3}, 0xe5, 0x90, 0x8d), 1, []any{"名"}, nil},
		{"utf16le text", record([]uint64{13 + 2*4}, 0x0d, 0x54, 0x3d, 0xd8), pagefile.EncodingUTF16LE, []any{"名\ufffd"}, nil},
		{"utf16be surrogate pair", record([]uint64{13 + 2*4}, 0xd8, 0x3d, 0xde, 0x00), pagefile.EncodingUTF16BE, []any{"😀"}, nil},
		{"reserved type 10", record([]uint64{1, 10}, 5), 1, nil, btree.ErrBadValue},
		{"cut text keeps prefix", record([]uint64{1, 13 + 2*5, 1}, 7, 'a', 'b'), 1, []any{int64(7), "ab", nil}, btree.ErrTruncated},
		{"cut int", record([]uint64{4}, 1, 2), 1, []any{nil}, btree.ErrTruncated},
		{"header larger than payload", []byte{0x05, 0x01}, 1, nil, btree.ErrTruncated},
		{"header varint cut", []byte{0x81}, 1, nil, btree.ErrTruncated},
		{"empty payload", nil, 1, nil, btree.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := btree.DecodeRecord(tt.rec, tt.enc)
			if !errors.Is(err, tt.cause) || (tt.cause == nil && err != nil) {
				t.Fatalf("error %v, want cause %v", err, tt.cause)
			}
			if err != nil {
				var ce *btree.CorruptError
				if !errors.As(err, &ce) {
					t.Fatalf("error %T is not a *CorruptError", err)
				}
			}
			if tt.want != nil || err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("values (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestSerialTypeSize(t *testing.T) {
	want := map[uint64]int64{0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0, 10: -1, 11: -1, 12: 0, 13: 0, 14: 1, 15: 1, 1000: 494, 1001: 494}
	for st, size := range want {
		if got := btree.SerialTypeSize(st); got != size {
			t.Errorf("SerialTypeSize(%d) = %d, want %d", st, got, size)
		}
	}
}

func TestLastIntegerAgreesWithDecodeRecord(t *testing.T) {
	cases := [][]byte{
		record([]uint64{13, 1}, 'a', 7),                                     // 'a', 7
		record([]uint64{0, 2}, 0x01, 0x02),                                  // NULL, 258
		record([]uint64{6}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe), // -2
		record([]uint64{15, 8}, 'x'),                                        // 'x', 0
		record([]uint64{1, 9}, 5),                                           // 5, 1
		record([]uint64{1, 7}, 5, 0, 0, 0, 0, 0, 0, 0, 0),                   // a real: not a rowid
		record([]uint64{13, 1}, 'a'),                                        // the rowid cut off
		record([]uint64{21, 1}, 'a', 'b'),                                   // a text running past the end
		{},
	}
	for i, payload := range cases {
		got, ok := btree.LastInteger(payload)
		vals, err := btree.DecodeRecord(payload, pagefile.EncodingUTF8)
		want, wantOK := int64(0), false
		if err == nil && len(vals) > 0 {
			want, wantOK = vals[len(vals)-1].(int64)
		}
		if got != want || ok != wantOK {
			t.Errorf("case %d: LastInteger = %d, %v; DecodeRecord's last value %v, %v", i, got, ok, want, wantOK)
		}
	}
}
