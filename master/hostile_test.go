package master_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// smallMeta is a valid backup with hostile-looking SQL, which must survive
// as data, and with counts and overflow CRCs (format version 2).
func smallMeta() *master.Meta {
	return &master.Meta{
		CapturedAt: 1,
		Header:     master.Header{PageSize: 1024, TextEncoding: 2, PageCount: 10, JournalMode: "wal"},
		Schema: []master.SchemaRow{
			{Type: "table", Name: "t", TblName: "t", RootPage: 2, SQL: "CREATE TABLE t(a); ATTACH 'evil.db' AS e; DROP TABLE t"},
			{Type: "trigger", Name: "x\x00y", TblName: "t", SQL: "CREATE TRIGGER x AFTER INSERT ON t BEGIN DELETE FROM t; END"},
		},
		Sequences: []master.Sequence{{Name: "t", Seq: -5}},
		Tables:    []master.Table{{Name: "t", RowidAlias: -1, Columns: []master.Column{{Name: "a", Affinity: master.AffinityBlob}}, RecordOrder: []int{0}}},
		Trees: []master.Tree{{Name: "t", Root: 2, Kind: master.TreeTable, Interior: []uint32{2},
			Leaves: []master.Leaf{{Pgno: 5, CRC: 7, Cells: 3}, {Pgno: 3, CRC: 9, Cells: 4}}, Overflow: []uint32{10}, OverflowCRCs: []uint32{11}, Entries: 7}},
		Counts: true,
	}
}

func mustEncode(t testing.TB, m *master.Meta) []byte {
	t.Helper()
	b, err := master.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHostileSQLIsKeptAsData(t *testing.T) {
	m := smallMeta()
	got, err := master.Decode(mustEncode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("(-written +read):\n%s", diff)
	}
}

// TestEveryBitFlipIsRejected flips each bit of a backup in turn.
func TestEveryBitFlipIsRejected(t *testing.T) {
	b := mustEncode(t, smallMeta())
	for i := 0; i < len(b)*8; i++ {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		if _, err := master.Decode(c); !isFormatError(err) {
			t.Fatalf("bit %d flipped: decode gave %v", i, err)
		}
	}
}

// TestEveryTruncationIsRejected cuts a backup at every length: each cut
// is a *FormatError whose cause is the one truncation sentinel every
// layer shares, pagefile.ErrTruncated.
func TestEveryTruncationIsRejected(t *testing.T) {
	b := mustEncode(t, smallMeta())
	for n := 0; n < len(b); n++ {
		if _, err := master.Decode(b[:n]); !isFormatError(err) || !errors.Is(err, pagefile.ErrTruncated) {
			t.Fatalf("truncated to %d bytes: decode gave %v, want a *FormatError wrapping pagefile.ErrTruncated", n, err)
		}
	}
}

func TestRejectsForeignAndFutureFiles(t *testing.T) {
	b := mustEncode(t, smallMeta())
	sqliteFile := append([]byte("SQLite format 3\x00"), make([]byte, 200)...)
	if _, err := master.Decode(sqliteFile); !errors.Is(err, master.ErrNotMeta) {
		t.Errorf("a SQLite file: %v, want ErrNotMeta", err)
	}
	future := bytes.Clone(b)
	binary.BigEndian.PutUint16(future[8:], master.FormatVersion+1)
	reseal(future)
	if _, err := master.Decode(future); !errors.Is(err, master.ErrVersion) {
		t.Errorf("a newer format: %v, want ErrVersion", err)
	}
}

// TestHostileBodies replaces the body of a valid file with crafted ones:
// absurd counts, page numbers outside the database, a decompression bomb.
// Each must be rejected without panicking or allocating in proportion to
// what the file claims.
func TestHostileBodies(t *testing.T) {
	valid := mustEncode(t, smallMeta())
	// The crafted tree with nothing to lie about decodes: each case below
	// fails for its own lie, not for a slip of the crafting.
	control := rawTree{interior: []int64{2}, leaves: []int64{5}, cells: []uint64{10}, overflow: []int64{3, 1}, crcs: 2, entries: 266}
	if _, err := master.Decode(withBody(t, valid, control.body(), 0)); err != nil {
		t.Fatalf("the control body does not decode: %v", err)
	}
	tests := []struct {
		name string
		body []byte
		// claimed overrides the declared uncompressed length when non-zero.
		claimed uint64
		reason  string
	}{
		{"schema row count 2^62", hostileBody(func(e *rawEncoder) { e.uint(1 << 62) }), 0, "cannot fit"},
		{"page beyond the database", rawTree{interior: []int64{1 << 30}}.body(), 0, "outside the database's 10 pages"},
		{"page number zero", rawTree{interior: []int64{0}}.body(), 0, "page number 0 out of range"},
		{"overflow CRC list shorter", rawTree{overflow: []int64{3, 1}, crcs: 1}.body(), 0, "2 overflow pages and 1 overflow CRCs"},
		{"overflow CRC list longer", rawTree{overflow: []int64{3, 1}, crcs: 3}.body(), 0, "2 overflow pages and 3 overflow CRCs"},
		{"overflow CRC count 2^62", rawTree{overflow: []int64{3}, crcs: 1 << 62}.body(), 0, "cannot fit"},
		{"more cells than a page holds", rawTree{leaves: []int64{5}, cells: []uint64{1024/4 + 1}}.body(), 0, "leaf 5 claims 257 cells, a page holds at most 256"},
		{"more entries than cells", rawTree{leaves: []int64{5}, cells: []uint64{10}, entries: 11}.body(), 0, "claims 11 entries, its pages hold at most 10"},
		{"entries -1 as a uint64", rawTree{leaves: []int64{5}, cells: []uint64{10}, entries: math.MaxUint64}.body(), 0, "claims 18446744073709551615 entries"},
		{"entries 2^63", rawTree{interior: []int64{2}, leaves: []int64{5}, cells: []uint64{10}, entries: 1 << 63}.body(), 0, "its pages hold at most 266"},
		{"bomb: 64 MiB of zeros declared as 100 bytes", make([]byte, 64<<20), 100, "does not decompress"},
		{"declared length over the limit", []byte{0}, 1 << 40, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := withBody(t, valid, tt.body, tt.claimed)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := master.Decode(b)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, pagefile.ErrBadValue) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("decode gave %v, want ErrBadValue: %s", err, tt.reason)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("decoding allocated %d MiB", grew>>20)
			}
		})
	}
}

// rawEncoder writes body fields the way the format does, for crafting.
type rawEncoder struct{ b []byte }

func (e *rawEncoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *rawEncoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *rawEncoder) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }

// hostileBody writes a plausible prefix (capture time to journal mode) for
// a 10-page database and lets fill write the rest.
func hostileBody(fill func(*rawEncoder)) []byte {
	e := &rawEncoder{}
	e.int(1)
	e.str("src")
	e.str("3.x")
	e.b = append(e.b, 0)
	e.str("file")
	for _, v := range []uint64{1024, 0, 1, 0, 0, 0, 0, 0, 10, 0} {
		e.uint(v)
	}
	e.str("delete")
	fill(e)
	return e.b
}

// rawTree is the one tree of a crafted version-2 body with counts, each
// field written as given so that a test can lie in any of them. Page lists
// are zigzag deltas, as the format stores them.
type rawTree struct {
	interior, leaves, overflow []int64
	cells                      []uint64 // one per leaf
	crcs                       uint64   // the overflow CRC count written; as many CRCs follow, up to 8
	entries                    uint64
}

func (r rawTree) body() []byte {
	return hostileBody(func(e *rawEncoder) {
		e.uint(0)            // schema rows
		e.uint(0)            // sequences
		e.uint(0)            // tables
		e.uint(0)            // indexes
		e.b = append(e.b, 1) // counts recorded
		e.uint(1)            // one tree
		e.str("t")
		e.uint(2)
		e.str(master.TreeTable)
		for _, list := range [][]int64{r.interior, r.leaves} {
			e.uint(uint64(len(list)))
			for _, d := range list {
				e.int(d)
			}
		}
		e.b = append(e.b, make([]byte, 4*len(r.leaves))...) // leaf CRCs
		for _, c := range r.cells {
			e.uint(c)
		}
		e.uint(uint64(len(r.overflow)))
		for _, d := range r.overflow {
			e.int(d)
		}
		e.uint(r.crcs)
		e.b = append(e.b, make([]byte, 4*min(r.crcs, 8))...)
		e.uint(r.entries)
	})
}

// withBody swaps the compressed body of a valid file for body, declaring
// claimed (or its true length) as the uncompressed size, and reseals it.
func withBody(t testing.TB, valid, body []byte, claimed uint64) []byte {
	t.Helper()
	fpLen := int(binary.BigEndian.Uint32(valid[12:]))
	prefix := bytes.Clone(valid[:20+fpLen])
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestSpeed)
	if _, err := zw.Write(body); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if claimed == 0 {
		claimed = uint64(len(body))
	}
	out := binary.BigEndian.AppendUint64(prefix, claimed)
	out = binary.BigEndian.AppendUint64(out, uint64(z.Len()))
	out = append(out, z.Bytes()...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// reseal recomputes both checksums after an edit.
func reseal(b []byte) {
	end := 16 + int(binary.BigEndian.Uint32(b[12:]))
	binary.BigEndian.PutUint32(b[end:], crc32.Checksum(b[:end], castagnoli))
	binary.BigEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
}

func isFormatError(err error) bool {
	var fe *master.FormatError
	return errors.As(err, &fe)
}
