package btree_test

import (
	"bytes"
	"database/sql"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Seeds for these targets live in testdata/fuzz/<Target>, cut from real
// databases by TestUpdateFuzzSeeds; crashers found are committed there too.

// FuzzParsePage parses one page image as a b-tree page and everything on it.
func FuzzParsePage(f *testing.F) {
	f.Fuzz(func(t *testing.T, page []byte, pgno uint32, reserved uint8) {
		usable := len(page) - int(reserved)
		p, err := btree.ParsePage(pgno, page, usable)
		if err != nil {
			assertCorrupt(t, err)
			return
		}
		_, _ = p.Space()
		for i := 0; i < p.CellCount; i++ {
			c, err := p.Cell(i)
			if err != nil {
				assertCorrupt(t, err)
				continue
			}
			if c.Offset+c.Size > usable+4 || len(c.Local) > usable {
				t.Fatalf("cell %d at %d size %d escapes usable size %d", i, c.Offset, c.Size, usable)
			}
			if c.Local != nil {
				_, _ = btree.DecodeRecord(c.Local, pagefile.EncodingUTF16LE)
			}
		}
	})
}

// FuzzDecodeRecord decodes arbitrary bytes as a record in each encoding,
// and holds CanonicalRecord to its promise: a record it accepts is what
// AppendRecord writes for the decoded values, and one that AppendRecord
// reproduces is accepted.
func FuzzDecodeRecord(f *testing.F) {
	f.Fuzz(func(t *testing.T, payload []byte, enc uint8) {
		types, _, herr := btree.RecordHeader(payload)
		vals, err := btree.DecodeRecord(payload, uint32(enc%4))
		if err != nil {
			assertCorrupt(t, err)
		}
		if herr == nil && len(vals) != len(types) {
			t.Fatalf("%d values for %d serial types", len(vals), len(types))
		}
		if len(types) > len(payload) {
			t.Fatalf("%d serial types from a %d-byte payload", len(types), len(payload))
		}
		lastInt, lastOK := btree.LastInteger(payload)
		wantInt, wantOK := int64(0), false
		if vals8, err := btree.DecodeRecord(payload, pagefile.EncodingUTF8); err == nil && len(vals8) > 0 {
			wantInt, wantOK = vals8[len(vals8)-1].(int64)
		}
		if lastInt != wantInt || lastOK != wantOK {
			t.Fatalf("LastInteger = %d, %v; DecodeRecord's last value %d, %v", lastInt, lastOK, wantInt, wantOK)
		}
		_, _, canonical := btree.CanonicalRecord(nil, payload, pagefile.EncodingUTF8)
		utf8Vals, derr := btree.DecodeRecord(payload, pagefile.EncodingUTF8)
		again, aerr := btree.AppendRecord(nil, utf8Vals, pagefile.EncodingUTF8)
		same := derr == nil && aerr == nil && bytes.Equal(again, payload)
		if canonical != same {
			t.Fatalf("CanonicalRecord says %v, but encoding the decoded values again gives the same bytes: %v (%x -> %x)", canonical, same, payload, again)
		}
		if canonical {
			_, h, _ := btree.CanonicalRecord(nil, payload, pagefile.EncodingUTF8)
			prefix := []any{int64(len(payload)), nil, "prefix", int64(-1 << 40)}
			got, err := btree.AppendPrefixedRecord(nil, prefix, payload, h, pagefile.EncodingUTF8)
			want, werr := btree.AppendRecord(nil, append(prefix, utf8Vals...), pagefile.EncodingUTF8)
			if err != nil || werr != nil || !bytes.Equal(got, want) {
				t.Fatalf("AppendPrefixedRecord gives %x (%v), AppendRecord of the values %x (%v)", got, err, want, werr)
			}
		}
	})
}

// FuzzOpenAndWalk opens arbitrary bytes as a database (detecting the
// geometry when the header is broken), reads the schema, walks every tree
// it names, enumerates the freelist and reads pointer-map entries.
func FuzzOpenAndWalk(f *testing.F) {
	f.Fuzz(func(t *testing.T, db []byte) {
		openAndWalk(t, db, nil, 0)
	})
}

func openAndWalk(t *testing.T, db, wal []byte, walSize int64) {
	r := bytes.NewReader(db)
	var walR *bytes.Reader
	if wal != nil {
		walR = bytes.NewReader(wal)
	}
	opts := pagefile.Options{}
	file, err := pagefile.New(r, int64(len(db)), readerOrNil(walR), walSize, opts)
	if errors.Is(err, pagefile.ErrUnknownPageSize) {
		g, _, derr := btree.DetectGeometry(r, int64(len(db)))
		if derr != nil {
			return
		}
		opts.Geometry = &g
		file, err = pagefile.New(r, int64(len(db)), readerOrNil(walR), walSize, opts)
	}
	if err != nil {
		return
	}
	rd := btree.ReaderFor(file)
	// The same walks, with recycled page buffers (no OnEntry) over a
	// read-ahead window, as a metadata capture does them.
	lean := btree.NewReader(pagefile.NewReadAhead(file, 64<<10), file.Usable(), file.TextEncoding())
	rows, res, err := rd.ReadSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		assertCorrupt(t, e)
	}
	for _, row := range rows {
		if row.RootPage > 0 && row.RootPage <= int64(file.PageCount()) {
			res, err := rd.Walk(uint32(row.RootPage), func(e *btree.Entry) error {
				_, _ = rd.Record(e.Payload)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Errors {
				assertCorrupt(t, e)
			}
			var crcs []uint32
			leanRes, err := lean.WalkTree(uint32(row.RootPage), btree.WalkOptions{ChainsOnly: true, OnPage: func(p *btree.Page) {
				crcs = append(crcs, crc32.ChecksumIEEE(p.Data))
			}})
			if err != nil {
				t.Fatal(err)
			}
			if len(leanRes.Pages) != len(res.Pages) || len(leanRes.Overflow) != len(res.Overflow) || len(leanRes.Errors) != len(res.Errors) || len(crcs) != len(res.Pages) {
				t.Fatalf("root %d: the lean walk found %d pages, %d overflow, %d errors; the full walk %d, %d, %d",
					row.RootPage, len(leanRes.Pages), len(leanRes.Overflow), len(leanRes.Errors), len(res.Pages), len(res.Overflow), len(res.Errors))
			}
			for i, pv := range leanRes.Pages {
				buf := make([]byte, file.PageSize())
				if pv != res.Pages[i] || file.ReadPage(pv.Pgno, buf) != nil || crc32.ChecksumIEEE(buf) != crcs[i] {
					t.Fatalf("root %d: page %d of the lean walk differs", row.RootPage, i)
				}
			}
		}
	}
	fl := file.Freelist()
	if n := len(fl.Trunks) + len(fl.Leaves); uint32(n) > file.PageCount() {
		t.Fatalf("freelist lists %d pages of %d", n, file.PageCount())
	}
	for pgno := uint32(2); pgno <= min(file.PageCount(), 64); pgno++ {
		_, _ = file.Ptrmap(pgno)
	}
}

// readerOrNil keeps a nil *bytes.Reader from becoming a non-nil interface.
func readerOrNil(r *bytes.Reader) io.ReaderAt {
	if r == nil {
		return nil
	}
	return r
}

// assertCorrupt fails unless err is a *CorruptError: damage must always be
// reported with its page, offset and reason.
func assertCorrupt(t *testing.T, err error) {
	t.Helper()
	var ce *btree.CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("error is %T, not *CorruptError: %v", err, err)
	}
}

// FuzzSalvage salvages arbitrary bytes as a table leaf and as an index
// leaf: every cell found lies inside the usable area, no two overlap, and
// each decodes as the cell Salvage says it is. Its seeds are
// FuzzParsePage's.
func FuzzSalvage(f *testing.F) {
	f.Fuzz(func(t *testing.T, page []byte, pgno uint32, reserved uint8) {
		usable := len(page) - int(reserved)
		for _, typ := range []btree.PageType{btree.TableLeaf, btree.IndexLeaf} {
			cells := btree.Salvage(pgno, page, usable, typ, nil)
			end := usable + 1
			for _, c := range cells {
				if c.Offset < 0 || c.Offset+c.Size > usable || c.Offset+c.Size > end {
					t.Fatalf("cell at %d, %d bytes: outside the usable %d or overlapping the one at %d", c.Offset, c.Size, usable, end)
				}
				if _, _, err := btree.RecordHeader(c.Local); err != nil {
					t.Fatalf("cell at %d: record header: %v", c.Offset, err)
				}
				end = c.Offset
			}
		}
	})
}

// FuzzDeleted looks for deleted records in arbitrary leaf pages: it must
// never panic, and every record it returns lies inside the page and
// decodes with the shape asked for.
func FuzzDeleted(f *testing.F) {
	for _, page := range pagesWithDeletedRows(f) {
		f.Add(page, uint8(3))
	}
	f.Fuzz(func(t *testing.T, page []byte, fields uint8) {
		if len(page) < 512 {
			return
		}
		p, err := btree.ParsePage(2, page, len(page))
		if err != nil {
			return
		}
		valid := func(rec []byte) bool {
			vals, err := btree.DecodeRecord(rec, 1)
			return err == nil && len(vals) == int(fields)
		}
		// As a repair guesses them: the INTEGER PRIMARY KEY's NULL first,
		// then numbers and short texts.
		lost := func(i int) []uint64 {
			if i == 0 {
				return []uint64{0}
			}
			out := []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
			for st := uint64(13); st < 0x80; st += 2 {
				out = append(out, st)
			}
			return out
		}
		found := append(btree.Unallocated(p), btree.DeletedShaped(p, btree.Shape{Fields: int(fields), Lost: lost, Valid: valid})...)
		for _, d := range found {
			if d.Offset < 0 || d.Offset >= len(page) || len(d.Record) == 0 {
				t.Fatalf("record at %d, %d bytes, outside the page", d.Offset, len(d.Record))
			}
		}
	})
}

// pagesWithDeletedRows builds a small table, deletes every third row and
// updates others (freeblocks, old cells in unallocated space), and returns
// its leaf pages: seeds for FuzzDeleted.
func pagesWithDeletedRows(f *testing.F) [][]byte {
	path := filepath.Join(f.TempDir(), "d.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		f.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA page_size = 1024`,
		`CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER)`,
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 60)
		 INSERT INTO t SELECT i, 'name number ' || i, i * 1000 FROM c`,
		`DELETE FROM t WHERE id % 3 = 0`,
		`UPDATE t SET name = name || ' longer now' WHERE id % 5 = 0`} {
		if _, err := db.Exec(q); err != nil {
			f.Fatal(q, err)
		}
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for off := 1024; off+1024 <= len(b); off += 1024 {
		if p, err := btree.ParsePage(2, b[off:off+1024], 1024); err == nil && p.Type == btree.TableLeaf {
			out = append(out, b[off:off+1024])
		}
	}
	return out
}
