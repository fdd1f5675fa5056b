package pagefile_test

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/pagefile"
)

// freeDB is a database with a long freelist, and SQLite's account of it.
type freeDB struct {
	Bytes     []byte
	PageSize  int
	Free      []uint32 // pages in no b-tree (from dbstat), sorted
	FreeCount uint32   // PRAGMA freelist_count
}

var freeFixture = struct {
	once sync.Once
	db   *freeDB
	err  error
}{}

// loadFreeDB builds (once) a 512-byte-page database without auto_vacuum
// from which most rows were deleted, so that its freelist spans several
// trunk pages (a 512-byte trunk holds at most 126 leaves).
func loadFreeDB(t *testing.T) *freeDB {
	t.Helper()
	freeFixture.once.Do(func() {
		d := &freeDB{PageSize: 512}
		dir := filepath.Join(fixtureDir, "free")
		freeFixture.err = withSQLite(dir, nil, nil, func(db *sql.DB) error {
			for _, q := range []string{
				`PRAGMA page_size = 512`,
				`PRAGMA auto_vacuum = none`,
				`CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)`,
				`CREATE INDEX t_b ON t(substr(b, 1, 8))`,
				`BEGIN`,
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 700)
				 INSERT INTO t SELECT i, randomblob(300 + i % 200) FROM n`,
				`COMMIT`,
				`DELETE FROM t WHERE a % 5 != 0`,
			} {
				if _, err := db.Exec(q); err != nil {
					return fmt.Errorf("%s: %w", q, err)
				}
			}
			var n uint32
			if err := db.QueryRow(`PRAGMA page_count`).Scan(&n); err != nil {
				return err
			}
			if err := db.QueryRow(`PRAGMA freelist_count`).Scan(&d.FreeCount); err != nil {
				return err
			}
			used := map[uint32]bool{}
			rows, err := db.Query(`SELECT pageno FROM dbstat`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var p uint32
				if err := rows.Scan(&p); err != nil {
					return err
				}
				used[p] = true
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for p := uint32(1); p <= n; p++ {
				if !used[p] {
					d.Free = append(d.Free, p)
				}
			}
			return nil
		})
		if freeFixture.err != nil {
			return
		}
		d.Bytes, freeFixture.err = os.ReadFile(filepath.Join(dir, "copy.db"))
		freeFixture.db = d
	})
	if freeFixture.err != nil {
		t.Fatalf("building the freelist fixture: %v", freeFixture.err)
	}
	return freeFixture.db
}

func openBytes(t *testing.T, b []byte) *pagefile.File {
	t.Helper()
	f, err := pagefile.New(bytes.NewReader(b), int64(len(b)), nil, 0, pagefile.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

// trunkAt decodes the trunk page pgno of the database image b straight from
// its bytes: next trunk and leaf count.
func trunkAt(b []byte, ps int, pgno uint32) (next uint32, count int, page []byte) {
	page = b[int(pgno-1)*ps:][:ps]
	return binary.BigEndian.Uint32(page), int(binary.BigEndian.Uint32(page[4:])), page
}

func sortedUnion(a, b []uint32) []uint32 {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return out
}

func TestFreelistMatchesSQLite(t *testing.T) {
	d := loadFreeDB(t)
	f := openBytes(t, d.Bytes)
	fl := f.Freelist()
	if len(fl.Problems) > 0 {
		t.Fatalf("problems on a sound database: %v", fl.Problems)
	}
	if len(fl.Trunks) < 3 {
		t.Fatalf("%d trunk pages; the fixture should need at least 3", len(fl.Trunks))
	}
	if got := uint32(len(fl.Trunks) + len(fl.Leaves)); got != d.FreeCount || got != f.Header.FreelistCount {
		t.Errorf("%d free pages; SQLite's freelist_count %d, header %d", got, d.FreeCount, f.Header.FreelistCount)
	}
	// The freelist is exactly the pages no b-tree uses.
	if diff := cmp.Diff(d.Free, sortedUnion(fl.Trunks, fl.Leaves)); diff != "" {
		t.Errorf("free pages vs pages absent from dbstat (-want +got):\n%s", diff)
	}
	// Trunks in chain order, each leaf named by its trunk, read by hand.
	var wantTrunks, wantLeaves []uint32
	for tr := f.Header.FirstFreelistTrunk; tr != 0; {
		next, n, page := trunkAt(d.Bytes, d.PageSize, tr)
		wantTrunks = append(wantTrunks, tr)
		for i := range n {
			wantLeaves = append(wantLeaves, binary.BigEndian.Uint32(page[8+4*i:]))
		}
		tr = next
	}
	if diff := cmp.Diff(wantTrunks, fl.Trunks); diff != "" {
		t.Errorf("trunks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantLeaves, fl.Leaves); diff != "" {
		t.Errorf("leaves (-want +got):\n%s", diff)
	}
	all := sortedUnion(fl.Trunks, fl.Leaves)
	if len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Errorf("a page is listed twice among trunks and leaves")
	}
}

// TestFreelistThroughWAL reads the freelist of the WAL fixture, whose
// header (and so first trunk and count) comes from the WAL's page 1.
func TestFreelistThroughWAL(t *testing.T) {
	d := loadWALDB(t)
	path := writeDB(t, d.Main, d.WAL)
	f, err := pagefile.Open(path, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want uint32
	if err := withSQLite(t.TempDir(), d.Main, d.WAL, func(db *sql.DB) error {
		return db.QueryRow(`PRAGMA freelist_count`).Scan(&want)
	}); err != nil {
		t.Fatal(err)
	}
	// The main file's header, written before the WAL's transactions
	// reused the free pages, disagrees with the WAL's page 1; only the
	// latter is right.
	if f.FileHeader.FreelistCount == want || f.Header.FreelistCount != want {
		t.Fatalf("main file header counts %d free pages, WAL's page 1 %d, SQLite %d; the test needs them to differ",
			f.FileHeader.FreelistCount, f.Header.FreelistCount, want)
	}
	fl := f.Freelist()
	if len(fl.Problems) > 0 {
		t.Errorf("problems: %v", fl.Problems)
	}
	if got := uint32(len(fl.Trunks) + len(fl.Leaves)); got != want {
		t.Errorf("%d free pages, SQLite's freelist_count %d", got, want)
	}
}

func TestFreelistHostile(t *testing.T) {
	d := loadFreeDB(t)
	orig := openBytes(t, d.Bytes).Freelist()
	ps := d.PageSize
	count := uint32(len(d.Bytes) / ps)
	be := binary.BigEndian
	t0, t1, t2 := orig.Trunks[0], orig.Trunks[1], orig.Trunks[2]
	_, n0, _ := trunkAt(d.Bytes, ps, t0)
	_, n1, _ := trunkAt(d.Bytes, ps, t1)
	maxLeaves := ps/4 - 2
	if n0 >= maxLeaves {
		t.Fatalf("first trunk is full (%d leaves); the cap case needs spare slots", n0)
	}
	// slot returns the byte offset in b of leaf slot i of trunk tr.
	slot := func(tr uint32, i int) int { return int(tr-1)*ps + 8 + 4*i }

	type want struct {
		Trunks   []uint32
		Leaves   []uint32
		Problems []problem
	}
	tests := []struct {
		name   string
		mutate func(b []byte)
		want   want
	}{
		{
			name:   "self loop",
			mutate: func(b []byte) { be.PutUint32(b[int(t0-1)*ps:], t0) },
			want: want{
				Trunks:   []uint32{t0},
				Leaves:   orig.Leaves[:n0],
				Problems: []problem{{Pgno: t0, Offset: 0, Cause: "ErrLoop"}},
			},
		},
		{
			name:   "A to B to A",
			mutate: func(b []byte) { be.PutUint32(b[int(t1-1)*ps:], t0) },
			want: want{
				Trunks:   []uint32{t0, t1},
				Leaves:   orig.Leaves[:n0+n1],
				Problems: []problem{{Pgno: t1, Offset: 0, Cause: "ErrLoop"}},
			},
		},
		{
			name:   "trunk names a trunk as leaf",
			mutate: func(b []byte) { be.PutUint32(b[slot(t1, 0):], t0) },
			want: want{
				Trunks:   orig.Trunks,
				Leaves:   slices.Delete(slices.Clone(orig.Leaves), n0, n0+1),
				Problems: []problem{{Pgno: t1, Offset: 8, Cause: "ErrLoop"}},
			},
		},
		{
			name:   "next trunk beyond the file",
			mutate: func(b []byte) { be.PutUint32(b[int(t1-1)*ps:], count+1) },
			want: want{
				Trunks:   []uint32{t0, t1},
				Leaves:   orig.Leaves[:n0+n1],
				Problems: []problem{{Pgno: t1, Offset: 0, Cause: "ErrOutOfRange"}},
			},
		},
		{
			name: "a million leaves",
			mutate: func(b []byte) {
				be.PutUint32(b[int(t0-1)*ps+4:], 1_000_000)
				clear(b[slot(t0, n0):slot(t0, maxLeaves)]) // the spare slots read as page 0
			},
			want: func() want {
				w := want{Trunks: orig.Trunks, Leaves: orig.Leaves, Problems: []problem{{Pgno: t0, Offset: 4, Cause: "ErrBadValue"}}}
				for i := n0; i < maxLeaves; i++ {
					w.Problems = append(w.Problems, problem{Pgno: t0, Offset: int64(8 + 4*i), Cause: "ErrOutOfRange"})
				}
				return w
			}(),
		},
		{
			name: "leaf count 2^32-1",
			mutate: func(b []byte) {
				be.PutUint32(b[int(t0-1)*ps+4:], 0xffffffff)
				for i := n0; i < maxLeaves; i++ {
					be.PutUint32(b[slot(t0, i):], count+uint32(i)) // all beyond the file
				}
			},
			want: func() want {
				w := want{Trunks: orig.Trunks, Leaves: orig.Leaves, Problems: []problem{{Pgno: t0, Offset: 4, Cause: "ErrBadValue"}}}
				for i := n0; i < maxLeaves; i++ {
					w.Problems = append(w.Problems, problem{Pgno: t0, Offset: int64(8 + 4*i), Cause: "ErrOutOfRange"})
				}
				return w
			}(),
		},
		{
			name:   "leaf beyond the file",
			mutate: func(b []byte) { be.PutUint32(b[slot(t0, 3):], count+1000) },
			want: want{
				Trunks:   orig.Trunks,
				Leaves:   slices.Delete(slices.Clone(orig.Leaves), 3, 4),
				Problems: []problem{{Pgno: t0, Offset: 8 + 4*3, Cause: "ErrOutOfRange"}},
			},
		},
		{
			name:   "leaf 0",
			mutate: func(b []byte) { be.PutUint32(b[slot(t1, 5):], 0) },
			want: want{
				Trunks:   orig.Trunks,
				Leaves:   slices.Delete(slices.Clone(orig.Leaves), n0+5, n0+6),
				Problems: []problem{{Pgno: t1, Offset: 8 + 4*5, Cause: "ErrOutOfRange"}},
			},
		},
		{
			name:   "leaf listed twice",
			mutate: func(b []byte) { be.PutUint32(b[slot(t2, 0):], orig.Leaves[1]) },
			want: want{
				Trunks:   orig.Trunks,
				Leaves:   slices.Delete(slices.Clone(orig.Leaves), n0+n1, n0+n1+1),
				Problems: []problem{{Pgno: t2, Offset: 8, Cause: "ErrLoop"}},
			},
		},
		{
			name:   "header count one too many",
			mutate: func(b []byte) { be.PutUint32(b[36:], d.FreeCount+1) },
			want: want{
				Trunks:   orig.Trunks,
				Leaves:   orig.Leaves,
				Problems: []problem{{Pgno: 0, Offset: 36, Cause: "ErrBadValue"}},
			},
		},
		{
			name:   "header count zero",
			mutate: func(b []byte) { be.PutUint32(b[36:], 0) },
			want: want{
				Trunks:   orig.Trunks,
				Leaves:   orig.Leaves,
				Problems: []problem{{Pgno: 0, Offset: 36, Cause: "ErrBadValue"}},
			},
		},
		{
			name:   "chain cut short",
			mutate: func(b []byte) { be.PutUint32(b[int(t1-1)*ps:], 0) },
			want: want{
				Trunks:   []uint32{t0, t1},
				Leaves:   orig.Leaves[:n0+n1],
				Problems: []problem{{Pgno: 0, Offset: 36, Cause: "ErrBadValue"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := clone(d.Bytes)
			tt.mutate(b)
			f := openBytes(t, b)
			got := runFreelist(t, f)
			if diff := cmp.Diff(tt.want, want{Trunks: got.Trunks, Leaves: got.Leaves, Problems: describeAll(got.Problems)}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestFreelistFirstTrunkOutOfRange points the header's first trunk beyond
// the file. The damaged field is the header's, at file offset 32.
func TestFreelistFirstTrunkOutOfRange(t *testing.T) {
	d := loadFreeDB(t)
	b := clone(d.Bytes)
	binary.BigEndian.PutUint32(b[32:], uint32(len(b)/d.PageSize)+1)
	got := runFreelist(t, openBytes(t, b))
	if len(got.Trunks) != 0 || len(got.Leaves) != 0 {
		t.Errorf("trunks %v, leaves %v from an out-of-range first trunk", got.Trunks, got.Leaves)
	}
	want := []problem{{Pgno: 0, Offset: 32, Cause: "ErrOutOfRange"}}
	if diff := cmp.Diff(want, describeAll(got.Problems)); diff != "" {
		t.Errorf("an out-of-range first trunk must be reported at header offset 32 (-want +got):\n%s", diff)
	}
}

// runFreelist enumerates f's freelist, failing rather than hanging if the
// enumeration does not terminate.
func runFreelist(t *testing.T, f *pagefile.File) *pagefile.Freelist {
	t.Helper()
	done := make(chan *pagefile.Freelist, 1)
	go func() { done <- f.Freelist() }()
	select {
	case fl := <-done:
		return fl
	case <-time.After(10 * time.Second):
		t.Fatal("Freelist did not terminate")
		return nil
	}
}

// TestFreelistAbsurdCountAllocation checks that a trunk claiming a huge
// number of leaves costs no more memory than a sound one: the claim is
// capped before anything is sized from it.
func TestFreelistAbsurdCountAllocation(t *testing.T) {
	d := loadFreeDB(t)
	tr := openBytes(t, d.Bytes).Freelist().Trunks[0]
	measure := func(claim uint32) uint64 {
		b := clone(d.Bytes)
		binary.BigEndian.PutUint32(b[int(tr-1)*d.PageSize+4:], claim)
		f := openBytes(t, b)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		fl := f.Freelist()
		runtime.ReadMemStats(&after)
		if claim > 1000 && len(fl.Problems) == 0 {
			t.Errorf("claim of %d leaves not reported", claim)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	sound := measure(binary.BigEndian.Uint32(d.Bytes[int(tr-1)*d.PageSize+4:]))
	for _, claim := range []uint32{1_000_000, 0x7fffffff, 0xffffffff} {
		if got := measure(claim); got > sound+256<<10 {
			t.Errorf("claim of %d leaves allocated %d bytes, a sound freelist %d", claim, got, sound)
		}
	}
}

// TestFreelistLeafPageOne names page 1, which holds the header and the
// schema root and can never be free, as a freelist leaf. SQLite's
// allocateBtreePage rejects a leaf below 2 as corruption, as pagefile
// rejects leaf 0.
func TestFreelistLeafPageOne(t *testing.T) {
	d := loadFreeDB(t)
	orig := openBytes(t, d.Bytes).Freelist()
	t0 := orig.Trunks[0]
	b := clone(d.Bytes)
	binary.BigEndian.PutUint32(b[int(t0-1)*d.PageSize+8+4*2:], 1)
	got := runFreelist(t, openBytes(t, b))
	if slices.Contains(got.Leaves, 1) || slices.Contains(got.Trunks, 1) {
		t.Errorf("page 1 accepted on the freelist; problems %v", describeAll(got.Problems))
	}
	wantLeaves := slices.Delete(slices.Clone(orig.Leaves), 2, 3)
	if diff := cmp.Diff(wantLeaves, got.Leaves); diff != "" {
		t.Errorf("leaves (-want +got):\n%s", diff)
	}
	want := []problem{{Pgno: t0, Offset: 8 + 4*2, Cause: "ErrOutOfRange"}}
	if diff := cmp.Diff(want, describeAll(got.Problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
