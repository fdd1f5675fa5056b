package pagefile_test

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/pagefile"
)

func TestLockBytePage(t *testing.T) {
	// The page holding byte 1 GiB (0x40000000) of the file.
	for _, tt := range []struct {
		pageSize int
		want     uint32
	}{
		{512, 2097153},
		{1024, 1048577},
		{2048, 524289},
		{4096, 262145},
		{8192, 131073},
		{16384, 65537},
		{32768, 32769},
		{65536, 16385},
	} {
		if got := pagefile.LockBytePage(tt.pageSize); got != tt.want {
			t.Errorf("page size %d: lock-byte page %d, want %d", tt.pageSize, got, tt.want)
		}
		// Its first byte is at 1 GiB exactly.
		if off := int64(tt.want-1) * int64(tt.pageSize); off != 1<<30 {
			t.Errorf("page size %d: page %d starts at %d", tt.pageSize, tt.want, off)
		}
	}
}

func TestPtrmapPageFor(t *testing.T) {
	g1024 := pagefile.Geometry{PageSize: 1024}
	// With a usable size of 1024, a pointer-map page holds 1024/5 = 204
	// entries: map pages at 2, 2+205 = 207, 412, ...
	// With 1024-byte pages the lock-byte page is 1048577 = 2 + 5115*205,
	// exactly where a map page would go: SQLite puts that map at 1048578.
	const lock = 1048577
	tests := []struct {
		g    pagefile.Geometry
		pgno uint32
		want uint32
	}{
		{g1024, 0, 0},
		{g1024, 1, 0},
		{g1024, 2, 2},
		{g1024, 3, 2},
		{g1024, 206, 2},
		{g1024, 207, 207},
		{g1024, 208, 207},
		{g1024, 411, 207},
		{g1024, 412, 412},
		{g1024, 413, 412},
		{g1024, lock - 1, lock - 205},
		{g1024, lock, lock + 1},
		{g1024, lock + 1, lock + 1},
		{g1024, lock + 2, lock + 1},
		{g1024, lock + 204, lock + 1},
		{g1024, lock + 205, lock + 205},
		// Reserved bytes shrink the usable size: 1019/5 = 203 entries.
		{pagefile.Geometry{PageSize: 1024, Reserved: 5}, 205, 2},
		{pagefile.Geometry{PageSize: 1024, Reserved: 5}, 206, 206},
		// The same lock-byte page is no map position with 203 entries.
		{pagefile.Geometry{PageSize: 1024, Reserved: 5}, lock, 2 + 5140*204},
		// 512-byte pages: 102 entries, maps at 2, 105, 208.
		{pagefile.Geometry{PageSize: 512}, 104, 2},
		{pagefile.Geometry{PageSize: 512}, 105, 105},
		{pagefile.Geometry{PageSize: 512}, 208, 208},
		// 4096: 819 entries, maps at 2, 822, 1642.
		{pagefile.Geometry{PageSize: 4096}, 821, 2},
		{pagefile.Geometry{PageSize: 4096}, 822, 822},
		{pagefile.Geometry{PageSize: 4096}, 1642, 1642},
		// 65536 with 20 reserved: 13103 entries.
		{pagefile.Geometry{PageSize: 65536, Reserved: 20}, 13105, 2},
		{pagefile.Geometry{PageSize: 65536, Reserved: 20}, 13106, 13106},
		// The largest page number SQLite allows.
		{g1024, 4294967294, 2 + (4294967292/205)*205},
	}
	for _, tt := range tests {
		if got := pagefile.PtrmapPageFor(tt.pgno, tt.g); got != tt.want {
			t.Errorf("PtrmapPageFor(%d, %+v) = %d, want %d", tt.pgno, tt.g, got, tt.want)
		}
	}
}

// ptrmapDB is an auto_vacuum database and SQLite's account of its pages.
type ptrmapDB struct {
	Bytes []byte
	// Want is every page's pointer-map entry, derived from dbstat (b-tree
	// and overflow pages with their paths) and from the pages dbstat does
	// not list (free pages).
	Want       map[uint32]pagefile.PtrmapEntry
	PtrmapPage []uint32 // pages neither dbstat nor the freelist holds
	PageCount  uint32
	FreeCount  int
}

// buildPtrmapDB creates a 1024-byte-page database with the given auto_vacuum
// mode, over two pointer-map pages long, with overflow chains, an index and
// (for incremental) free pages.
func buildPtrmapDB(t *testing.T, mode string) *ptrmapDB {
	t.Helper()
	d := &ptrmapDB{Want: map[uint32]pagefile.PtrmapEntry{}}
	dir := t.TempDir()
	err := withSQLite(dir, nil, nil, func(db *sql.DB) error {
		for _, q := range []string{
			`PRAGMA page_size = 1024`,
			`PRAGMA auto_vacuum = ` + mode,
			`CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)`,
			`CREATE TABLE u(x TEXT PRIMARY KEY, y) WITHOUT ROWID`,
			`CREATE INDEX t_b ON t(substr(b, 1, 16))`,
			`BEGIN`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500)
			 INSERT INTO t SELECT i, randomblob(CASE WHEN i % 10 = 0 THEN 3500 ELSE 600 END) FROM n`,
			`INSERT INTO u SELECT hex(randomblob(8)) || a, a FROM t`,
			`COMMIT`,
			`DELETE FROM t WHERE a % 3 = 0`,
		} {
			if _, err := db.Exec(q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		var av int
		if err := db.QueryRow(`PRAGMA auto_vacuum`).Scan(&av); err != nil {
			return err
		}
		if got := []string{"none", "full", "incremental"}[av]; got != mode {
			return fmt.Errorf("auto_vacuum is %s, not %s", got, mode)
		}
		if err := db.QueryRow(`PRAGMA page_count`).Scan(&d.PageCount); err != nil {
			return err
		}
		if err := db.QueryRow(`PRAGMA freelist_count`).Scan(&d.FreeCount); err != nil {
			return err
		}
		rows, err := db.Query(`SELECT name, path, pageno FROM dbstat`)
		if err != nil {
			return err
		}
		defer rows.Close()
		type key struct{ name, path string }
		pageOf := map[key]uint32{}
		var all []key
		for rows.Next() {
			var k key
			var p uint32
			if err := rows.Scan(&k.name, &k.path, &p); err != nil {
				return err
			}
			pageOf[k] = p
			all = append(all, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// dbstat paths: "/" is a root, "/003/001/" a b-tree page (parent
		// "/003/"), "/003/001/00a+000000" the first overflow page of cell
		// 0xa of "/003/001/" and "+000001" the next one in the chain.
		for _, k := range all {
			p := pageOf[k]
			var e pagefile.PtrmapEntry
			var parent string
			switch cell, idx, overflow := strings.Cut(k.path, "+"); {
			case k.path == "/":
				e.Type = pagefile.PtrmapRootPage
			case overflow:
				n, err := strconv.ParseUint(idx, 16, 32)
				if err != nil {
					return fmt.Errorf("dbstat path %q: %w", k.path, err)
				}
				if n == 0 {
					e.Type = pagefile.PtrmapOverflow1
					parent = cell[:strings.LastIndex(cell, "/")+1]
				} else {
					e.Type = pagefile.PtrmapOverflow2
					parent = fmt.Sprintf("%s+%06x", cell, n-1)
				}
			default:
				e.Type = pagefile.PtrmapBtree
				trimmed := strings.TrimSuffix(k.path, "/")
				parent = trimmed[:strings.LastIndex(trimmed, "/")+1]
			}
			if parent != "" {
				pp, ok := pageOf[key{k.name, parent}]
				if !ok {
					return fmt.Errorf("dbstat: no page for parent %q of %q in %s", parent, k.path, k.name)
				}
				e.Parent = pp
			}
			if p != 1 {
				d.Want[p] = e
			}
		}
		// Pages dbstat does not list: free pages, pointer-map pages.
		var free []uint32
		for p := uint32(2); p <= d.PageCount; p++ {
			if _, ok := d.Want[p]; !ok {
				free = append(free, p)
			}
		}
		d.PtrmapPage = free // pointer-map pages are split off by the caller
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Bytes, err = os.ReadFile(filepath.Join(dir, "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPtrmapMatchesSQLite(t *testing.T) {
	for _, mode := range []string{"full", "incremental"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			d := buildPtrmapDB(t, mode)
			f := openBytes(t, d.Bytes)
			if !f.HasPtrmap() || f.Header.AutoVacuum() != mode {
				t.Fatalf("HasPtrmap %v, auto_vacuum %s", f.HasPtrmap(), f.Header.AutoVacuum())
			}
			if d.PageCount < 420 {
				t.Fatalf("%d pages: too few for three pointer-map pages", d.PageCount)
			}
			if mode == "incremental" && d.FreeCount == 0 {
				t.Fatal("no free pages in the incremental database")
			}
			// Free pages carry type 2; every other unlisted page must be a
			// pointer-map page, at the places the layout rule gives.
			fl := f.Freelist()
			if len(fl.Problems) > 0 || len(fl.Trunks)+len(fl.Leaves) != d.FreeCount {
				t.Fatalf("freelist: %d pages, problems %v; SQLite counts %d", len(fl.Trunks)+len(fl.Leaves), fl.Problems, d.FreeCount)
			}
			free := map[uint32]bool{}
			for _, p := range append(append([]uint32{}, fl.Trunks...), fl.Leaves...) {
				free[p] = true
				d.Want[p] = pagefile.PtrmapEntry{Type: pagefile.PtrmapFreePage}
			}
			var wantMaps []uint32
			for _, p := range d.PtrmapPage {
				if !free[p] {
					wantMaps = append(wantMaps, p)
				}
			}
			var gotMaps []uint32
			for p := uint32(1); p <= d.PageCount; p++ {
				if f.IsPtrmapPage(p) {
					gotMaps = append(gotMaps, p)
				}
			}
			if diff := cmp.Diff([]uint32{2, 207, 412}, gotMaps[:min(3, len(gotMaps))]); diff != "" {
				t.Errorf("first pointer-map pages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantMaps, gotMaps); diff != "" {
				t.Errorf("pointer-map pages vs pages SQLite does not account for (-want +got):\n%s", diff)
			}
			got := map[uint32]pagefile.PtrmapEntry{}
			for p := uint32(2); p <= d.PageCount; p++ {
				if f.IsPtrmapPage(p) {
					continue
				}
				e, err := f.Ptrmap(p)
				if err != nil {
					t.Errorf("Ptrmap(%d): %v", p, err)
				}
				got[p] = e
			}
			if diff := cmp.Diff(d.Want, got); diff != "" {
				t.Errorf("pointer-map entries vs dbstat (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPtrmapErrors(t *testing.T) {
	d := buildPtrmapDB(t, "full")
	f := openBytes(t, d.Bytes)
	none := openBytes(t, loadFreeDB(t).Bytes)
	if none.HasPtrmap() || none.IsPtrmapPage(2) {
		t.Errorf("database without auto_vacuum: HasPtrmap %v, IsPtrmapPage(2) %v", none.HasPtrmap(), none.IsPtrmapPage(2))
	}
	beyond := d.PageCount + 300 // its map page, 412 + 205k, is past the end too
	beyondMap := pagefile.PtrmapPageFor(beyond, f.Geometry)
	if beyondMap <= d.PageCount {
		t.Fatalf("map page %d of page %d is inside the file", beyondMap, beyond)
	}
	for _, tt := range []struct {
		name string
		f    *pagefile.File
		pgno uint32
		want problem
	}{
		{"no auto_vacuum", none, 3, problem{Pgno: 3, Cause: "ErrBadValue"}},
		{"no auto_vacuum, page 2", none, 2, problem{Pgno: 2, Cause: "ErrBadValue"}},
		{"page 0", f, 0, problem{Pgno: 0, Cause: "ErrBadValue"}},
		{"page 1", f, 1, problem{Pgno: 1, Cause: "ErrBadValue"}},
		{"first map page", f, 2, problem{Pgno: 2, Cause: "ErrBadValue"}},
		{"second map page", f, 207, problem{Pgno: 207, Cause: "ErrBadValue"}},
		{"map page beyond the file", f, beyond, problem{Pgno: beyondMap, Cause: "ErrOutOfRange"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := tt.f.Ptrmap(tt.pgno)
			if diff := cmp.Diff(tt.want, describe(err)); diff != "" {
				t.Errorf("Ptrmap(%d) = %+v (-want +got):\n%s", tt.pgno, e, diff)
			}
		})
	}
	// A damaged entry: its type is reported, at the entry's offset.
	for _, typ := range []byte{0, 6, 0xff} {
		b := clone(d.Bytes)
		b[1024+5*(10-3)] = typ // map page 2, entry of page 10
		e, err := openBytes(t, b).Ptrmap(10)
		want := problem{Pgno: 2, Offset: 5 * 7, Cause: "ErrBadValue"}
		if diff := cmp.Diff(want, describe(err)); diff != "" || e.Type != typ {
			t.Errorf("entry type %d: got %+v (-want +got):\n%s", typ, e, diff)
		}
	}
}

// bigFile is a File of 1024-byte pages with auto_vacuum, larger than 1 GiB,
// served by a function: every page is zeros except the pointer-map page
// after the lock-byte page, whose first entry (page lock+2) is a b-tree
// page under page 77.
func bigFile() *pagefile.File {
	const lock = 1048577
	src := &pagefile.SourceFunc{Size: 1024, Count: lock + 400, Read: func(pgno uint32, dst []byte) error {
		clear(dst)
		if pgno == lock+1 {
			dst[0] = pagefile.PtrmapBtree
			binary.BigEndian.PutUint32(dst[1:], 77)
		}
		return nil
	}}
	return &pagefile.File{
		Source:   src,
		Geometry: pagefile.Geometry{PageSize: 1024},
		Header:   &pagefile.Header{PageSize: 1024, LargestRootPage: 3},
	}
}

func TestPtrmapAroundLockBytePage(t *testing.T) {
	const lock = 1048577
	f := bigFile()
	if !f.IsLockBytePage(lock) || f.IsLockBytePage(lock+1) || f.IsLockBytePage(lock-1) {
		t.Errorf("IsLockBytePage wrong around %d", lock)
	}
	for _, tt := range []struct {
		pgno uint32
		want bool
	}{{lock - 205, true}, {lock - 1, false}, {lock, false}, {lock + 1, true}, {lock + 2, false}, {lock + 205, true}} {
		if got := f.IsPtrmapPage(tt.pgno); got != tt.want {
			t.Errorf("IsPtrmapPage(%d) = %v, want %v", tt.pgno, got, tt.want)
		}
	}
	e, err := f.Ptrmap(lock + 2)
	if err != nil || e != (pagefile.PtrmapEntry{Type: pagefile.PtrmapBtree, Parent: 77}) {
		t.Errorf("Ptrmap(%d) = %+v, %v; want the first entry of map page %d", lock+2, e, err, lock+1)
	}
	if _, err := f.Ptrmap(lock + 1); describe(err) != (problem{Pgno: lock + 1, Cause: "ErrBadValue"}) {
		t.Errorf("Ptrmap of the moved map page: %v", err)
	}
}

// TestPtrmapOfLockBytePage asks for the pointer-map entry of the lock-byte
// page itself, which has none (in SQLite, ptrmapGet finds a negative offset
// and reports corruption).
func TestPtrmapOfLockBytePage(t *testing.T) {
	const lock = 1048577
	e, err := bigFile().Ptrmap(lock)
	want := problem{Pgno: lock, Offset: 0, Cause: "ErrBadValue"}
	if diff := cmp.Diff(want, describe(err)); diff != "" {
		t.Errorf("Ptrmap of the lock-byte page (map page is lock+1): got entry %+v, error %v (-want +got):\n%s", e, err, diff)
	}
}
