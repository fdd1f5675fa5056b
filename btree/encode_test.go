package btree_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// TestAppendRecordRoundTrip encodes values of every storage class in every
// text encoding and decodes them back with the reader's decoder.
func TestAppendRecordRoundTrip(t *testing.T) {
	vals := []any{nil, int64(0), int64(1), int64(2), int64(-1), int64(127), int64(128), int64(-32769),
		int64(8388608), int64(-2147483649), int64(1 << 47), int64(math.MinInt64), math.MaxFloat64, -0.5,
		"", "héllo 𝄞\x00end", []byte{}, []byte{0, 1, 2}}
	for _, enc := range []uint32{pagefile.EncodingUTF8, pagefile.EncodingUTF16LE, pagefile.EncodingUTF16BE} {
		rec, err := btree.AppendRecord(nil, vals, enc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := btree.DecodeRecord(rec, enc)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(vals, got); diff != "" {
			t.Errorf("%s (-encoded +decoded):\n%s", pagefile.EncodingName(enc), diff)
		}
	}
}

// TestIntSerialType checks the boundaries of each integer width, and that
// the header size counts itself once it needs two bytes.
func TestIntSerialType(t *testing.T) {
	got := map[int64]uint64{}
	want := map[int64]uint64{0: 8, 1: 9, 2: 1, -1: 1, 127: 1, -128: 1, 128: 2, -129: 2, 32767: 2, 32768: 3,
		8388607: 3, 8388608: 4, 2147483647: 4, 2147483648: 5, 1<<47 - 1: 5, 1 << 47: 6, -1 << 47: 5, math.MinInt64: 6}
	for v := range want {
		got[v] = btree.IntSerialType(v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("serial types (-want +got):\n%s", diff)
	}
	vals := make([]any, 200) // 200 NULLs: a header of 202 bytes
	rec, err := btree.AppendRecord(nil, vals, pagefile.EncodingUTF8)
	if err != nil {
		t.Fatal(err)
	}
	types, size, err := btree.RecordHeader(rec)
	if err != nil || size != 202 || len(types) != 200 || len(rec) != 202 {
		t.Errorf("200 NULLs: header %d bytes, %d types, record %d bytes, %v", size, len(types), len(rec), err)
	}
}
