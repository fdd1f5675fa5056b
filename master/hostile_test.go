package master_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/master"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// smallMeta is a valid backup with hostile-looking SQL, which must survive
// as data.
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
		Trees:     []master.Tree{{Name: "t", Root: 2, Kind: master.TreeTable, Interior: []uint32{2}, Leaves: []master.Leaf{{Pgno: 5, CRC: 7}, {Pgno: 3, CRC: 9}}, Overflow: []uint32{10}}},
	}
}

func mustEncode(t *testing.T, m *master.Meta) []byte {
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

func TestEveryTruncationIsRejected(t *testing.T) {
	b := mustEncode(t, smallMeta())
	for n := 0; n < len(b); n++ {
		if _, err := master.Decode(b[:n]); !isFormatError(err) {
			t.Fatalf("truncated to %d bytes: decode gave %v", n, err)
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
	tests := []struct {
		name string
		body []byte
		// claimed overrides the declared uncompressed length when non-zero.
		claimed uint64
		reason  string
	}{
		{"schema row count 2^62", hostileBody(func(e *rawEncoder) { e.uint(1 << 62) }), 0, "cannot fit"},
		{"page beyond the database", hostileBodyWithTreePage(1 << 30), 0, "outside the database's 10 pages"},
		{"page number zero", hostileBodyWithTreePage(0), 0, "page number 0 out of range"},
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
			if !errors.Is(err, master.ErrCorrupt) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("decode gave %v, want ErrCorrupt: %s", err, tt.reason)
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

func hostileBodyWithTreePage(pgno uint32) []byte {
	return hostileBody(func(e *rawEncoder) {
		e.uint(0) // schema rows
		e.uint(0) // sequences
		e.uint(0) // tables
		e.uint(0) // indexes
		e.uint(1) // one tree
		e.str("t")
		e.uint(2)
		e.str(master.TreeTable)
		e.uint(1)
		e.int(int64(pgno)) // one interior page
		e.uint(0)
		e.uint(0)
	})
}

// withBody swaps the compressed body of a valid file for body, declaring
// claimed (or its true length) as the uncompressed size, and reseals it.
func withBody(t *testing.T, valid, body []byte, claimed uint64) []byte {
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
