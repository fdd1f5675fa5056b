package pagefile_test

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/pagefile"
)

// sqliteRolledBack writes main and journal to a fresh directory, lets
// SQLite roll the journal back as it opens the copy, and returns the pages
// it then serves.
func sqliteRolledBack(t *testing.T, main, journal []byte) [][]byte {
	t.Helper()
	path := writeDBJournal(t, main, journal)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n uint32
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var pages [][]byte
	for pgno := uint32(1); pgno <= n; pgno++ {
		var b []byte
		if err := db.QueryRow(`SELECT data FROM sqlite_dbpage WHERE pgno = ?`, pgno).Scan(&b); err != nil {
			t.Fatalf("page %d: %v", pgno, err)
		}
		pages = append(pages, b)
	}
	return pages
}

// TestJournalRollsBack opens databases copied in the middle of a write
// transaction: pagefile serves the committed database (the pages SQLite's
// rollback restores, and the rows they hold), not the uncommitted pages
// spilled into the main file, and leaves out the pages the transaction
// appended.
func TestJournalRollsBack(t *testing.T) {
	for _, synchronous := range []string{"FULL", "OFF"} {
		t.Run(synchronous, func(t *testing.T) {
			hj := loadHotJournal(t, synchronous)
			f := open(t, writeDBJournal(t, hj.Main, hj.Journal), pagefile.Options{})
			if f.Journal == nil || f.JournalError() != nil || f.JournalNotHot() != "" {
				t.Fatalf("Journal %v, JournalError %v, JournalNotHot %q", f.Journal, f.JournalError(), f.JournalNotHot())
			}
			want := mainPages(t, hj.Committed, hj.PageSize)
			got := sourcePages(t, f)
			if diff := diffPages(want, got); diff != "" {
				t.Errorf("File vs the database before the transaction:\n%s", diff)
			}
			if diff := diffPages(sqliteRolledBack(t, hj.Main, hj.Journal), got); diff != "" {
				t.Errorf("File vs SQLite's rollback:\n%s", diff)
			}
			if diff := cmp.Diff(sqliteRows(t, hj.Committed), btreeRows(t, f)); diff != "" {
				t.Errorf("rows of t (-committed +read through the journal):\n%s", diff)
			}
			if diff := diffPages(mainPages(t, hj.Main, hj.PageSize), sourcePages(t, f.Main)); diff != "" {
				t.Errorf("File.Main vs the main file:\n%s", diff)
			}
			// The header is the committed page 1's; FileHeader the main
			// file's, written by the transaction.
			if f.HeaderFrom != pagefile.HeaderFromJournal {
				t.Errorf("HeaderFrom %q", f.HeaderFrom)
			}
			if diff := cmp.Diff(pagefile.ParseHeader(hj.Committed), f.Header); diff != "" {
				t.Errorf("Header vs the committed page 1 (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(pagefile.ParseHeader(hj.Main), f.FileHeader); diff != "" {
				t.Errorf("FileHeader vs the main file (-want +got):\n%s", diff)
			}
			if f.Problems != nil || f.WALMissing() {
				t.Errorf("Problems %v, WALMissing %v", f.Problems, f.WALMissing())
			}

			j := f.Journal
			origPages := uint32(len(hj.Committed) / hj.PageSize)
			if j.OriginalSize() != origPages || f.PageCount() != origPages || f.Main.PageCount() <= origPages {
				t.Errorf("OriginalSize %d, PageCount %d, main file %d pages; the committed database has %d",
					j.OriginalSize(), f.PageCount(), f.Main.PageCount(), origPages)
			}
			if j.BadRecords != 0 || j.Duplicates != 0 || j.Beyond != 0 || j.Problems != nil || j.Salvaged != "" || j.Damaged() {
				t.Errorf("an intact journal: %d bad, %d duplicates, %d beyond, problems %v, salvaged %q",
					j.BadRecords, j.Duplicates, j.Beyond, j.Problems, j.Salvaged)
			}
			if j.PageSize() != hj.PageSize || j.SectorSize() != 512 || j.SuperJournal != "" {
				t.Errorf("page size %d, sector size %d, super-journal %q", j.PageSize(), j.SectorSize(), j.SuperJournal)
			}
			// Every record holds a different page, in a segment that counts it.
			seen := map[uint32]bool{}
			perSegment := make([]int, len(j.Segments))
			for _, r := range j.Records {
				if seen[r.Pgno] || !j.Has(r.Pgno) {
					t.Errorf("record at %d: page %d seen before %v, Has %v", r.Offset, r.Pgno, seen[r.Pgno], j.Has(r.Pgno))
				}
				seen[r.Pgno] = true
				perSegment[r.Segment]++
			}
			for i, s := range j.Segments {
				if s.Records != perSegment[i] || (s.Header.RecordCount != pagefile.JournalRecordsToEnd && uint32(s.Records) != s.Header.RecordCount) {
					t.Errorf("segment %d at %d: counts %d records, read %d, used %d", i, s.Header.Offset, s.Header.RecordCount, s.Records, perSegment[i])
				}
			}
			switch synchronous {
			case "FULL":
				if len(j.Segments) < 10 || j.Header.RecordCount == pagefile.JournalRecordsToEnd {
					t.Errorf("synchronous=FULL: %d segments, first counts %#x records; want one segment per spill", len(j.Segments), j.Header.RecordCount)
				}
			case "OFF":
				if len(j.Segments) != 1 || j.Header.RecordCount != pagefile.JournalRecordsToEnd || j.Stop != nil {
					t.Errorf("synchronous=OFF: %d segments, count %#x, stop %v; want one to the end of the file", len(j.Segments), j.Header.RecordCount, j.Stop)
				}
			}
			buf := make([]byte, hj.PageSize)
			for pgno := uint32(1); pgno <= origPages; pgno++ {
				ok, err := j.ReadPage(pgno, buf)
				if err != nil || ok != seen[pgno] || (ok && !bytes.Equal(buf, want[pgno-1])) {
					t.Errorf("ReadPage(%d): %v, %v; want %v and the committed page", pgno, ok, err, seen[pgno])
				}
			}
			if _, err := j.ReadPage(j.Records[0].Pgno, buf[1:]); err == nil {
				t.Errorf("ReadPage accepted a short buffer")
			}
		})
	}
}

// TestJournalRecordDamage damages one record: that record is reported and
// not used (its page reads as the main file holds it), and every other
// record still is, where SQLite would stop rolling back at the damage.
func TestJournalRecordDamage(t *testing.T) {
	hj := loadHotJournal(t, "FULL")
	orig := readJournal(t, hj.Journal, pagefile.JournalOptions{})
	ps := int64(hj.PageSize)
	k := len(orig.Records) / 2
	rec := orig.Records[k]
	for _, tt := range []struct {
		name string
		at   int64 // byte of the record to change, from its start
		set  func(b []byte)
		want *problem
	}{
		// pager_cksum adds every 200th byte from the end of the page.
		{"sampled byte", 4 + ps - 200, func(b []byte) { b[0] ^= 0x01 }, &problem{Offset: rec.Offset + 4 + ps, Cause: "ErrBadValue"}},
		{"checksum", 4 + ps + 3, func(b []byte) { b[0] ^= 0x80 }, &problem{Offset: rec.Offset + 4 + ps, Cause: "ErrBadValue"}},
		{"page number 0", 0, func(b []byte) { clear(b[:4]) }, &problem{Offset: rec.Offset, Cause: "ErrBadValue"}},
		// Bytes the checksum does not sample go unnoticed: it guards
		// against torn writes, which change the ends of a record.
		{"unsampled byte", 4 + 100, func(b []byte) { b[0] ^= 0x01 }, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			jb := clone(hj.Journal)
			tt.set(jb[rec.Offset+tt.at:])
			f := open(t, writeDBJournal(t, hj.Main, jb), pagefile.Options{})
			j := f.Journal
			if j == nil {
				t.Fatalf("journal not rolled back: %v", f.JournalError())
			}
			if tt.want == nil {
				if j.Damaged() || len(j.Records) != len(orig.Records) {
					t.Errorf("%d records, %d bad, problems %v", len(j.Records), j.BadRecords, j.Problems)
				}
				return
			}
			if j.BadRecords != 1 || len(j.Problems) != 1 || !j.Damaged() {
				t.Fatalf("%d bad records, problems %v; want the one damaged", j.BadRecords, j.Problems)
			}
			if diff := cmp.Diff(*tt.want, describe(j.Problems[0])); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
			}
			want := slices.Delete(slices.Clone(orig.Records), k, k+1)
			if diff := cmp.Diff(want, j.Records); diff != "" {
				t.Errorf("records used (-want +got):\n%s", diff)
			}
			// The damaged record's page reads from the main file; every
			// other page is the committed one.
			wantPages := mainPages(t, hj.Committed, hj.PageSize)
			wantPages[rec.Pgno-1] = mainPages(t, hj.Main, hj.PageSize)[rec.Pgno-1]
			if diff := diffPages(wantPages, sourcePages(t, f)); diff != "" {
				t.Errorf("File vs committed pages with page %d from the main file:\n%s", rec.Pgno, diff)
			}
		})
	}
}

// TestJournalDuplicateRecord gives a later record the page number of the
// first: the first record, the content before the transaction, is used.
func TestJournalDuplicateRecord(t *testing.T) {
	hj := loadHotJournal(t, "OFF")
	recs := firstRecords(t, hj.Journal)
	first, later := recs[0], recs[len(recs)-1]
	jb := clone(hj.Journal)
	binary.BigEndian.PutUint32(jb[later.Offset:], first.Pgno)
	j := readJournal(t, jb, pagefile.JournalOptions{PageSize: hj.PageSize})
	if j.Duplicates != 1 || j.BadRecords != 0 || len(j.Problems) != 1 || j.Has(later.Pgno) {
		t.Fatalf("%d duplicates, %d bad, problems %v, Has(%d) %v", j.Duplicates, j.BadRecords, j.Problems, later.Pgno, j.Has(later.Pgno))
	}
	if diff := cmp.Diff(problem{Offset: later.Offset, Cause: "ErrBadValue"}, describe(j.Problems[0])); diff != "" {
		t.Errorf("problem (-want +got):\n%s", diff)
	}
	buf := make([]byte, hj.PageSize)
	if ok, err := j.ReadPage(first.Pgno, buf); !ok || err != nil || !bytes.Equal(buf, mainPages(t, hj.Committed, hj.PageSize)[first.Pgno-1]) {
		t.Errorf("page %d is not the first record's, the committed one: %v %v", first.Pgno, ok, err)
	}
}

// TestJournalTruncated cuts the journal inside a record: the records
// before the cut are used, the missing ones counted as bad.
func TestJournalTruncated(t *testing.T) {
	for _, synchronous := range []string{"FULL", "OFF"} {
		t.Run(synchronous, func(t *testing.T) {
			hj := loadHotJournal(t, synchronous)
			orig := readJournal(t, hj.Journal, pagefile.JournalOptions{})
			k := len(orig.Records) / 3
			cut := orig.Records[k]
			j := readJournal(t, hj.Journal[:cut.Offset+100], pagefile.JournalOptions{PageSize: hj.PageSize})
			if diff := cmp.Diff(orig.Records[:k], j.Records); diff != "" {
				t.Errorf("records used (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(problem{Offset: cut.Offset, Cause: "ErrTruncated"}, describe(j.Stop)); diff != "" {
				t.Errorf("Stop (-want +got):\n%s", diff)
			}
			// With a count, the records the cut segment still owed are
			// missing; without one, the file size made the count.
			wantBad := 0
			if last := j.Segments[len(j.Segments)-1]; last.Header.RecordCount != pagefile.JournalRecordsToEnd {
				wantBad = int(last.Header.RecordCount) - last.Records
			}
			if j.BadRecords != wantBad || (wantBad > 0) != j.Damaged() {
				t.Errorf("%d bad records, want %d; damaged %v", j.BadRecords, wantBad, j.Damaged())
			}
		})
	}
}

// TestJournalNotHot opens journals that SQLite would not roll back: the
// database is read as the main file holds it, and JournalNotHot says why.
func TestJournalNotHot(t *testing.T) {
	hj := loadHotJournal(t, "FULL")
	firstByteZero := clone(hj.Journal)
	firstByteZero[0] = 0
	for _, tt := range []struct {
		name, want string
		journal    []byte
	}{
		{"empty (TRUNCATE)", "is empty", []byte{}},
		{"zeroed header (PERSIST)", "header is zeroed", append(make([]byte, pagefile.JournalHeaderSize), hj.Journal[pagefile.JournalHeaderSize:]...)},
		{"zeroed header only", "header is zeroed", make([]byte, 10)},
		{"first byte zero", "first byte is zero", firstByteZero},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, writeDBJournal(t, hj.Main, tt.journal), pagefile.Options{})
			if f.Journal != nil || f.JournalError() != nil || !strings.Contains(f.JournalNotHot(), tt.want) {
				t.Errorf("Journal %v, JournalError %v, JournalNotHot %q; want %q", f.Journal, f.JournalError(), f.JournalNotHot(), tt.want)
			}
			if diff := diffPages(mainPages(t, hj.Main, hj.PageSize), sourcePages(t, f)); diff != "" {
				t.Errorf("File vs the main file:\n%s", diff)
			}
		})
	}
}

// TestJournalCommittedBySQLite lets SQLite commit in the journal modes
// that keep the file: TRUNCATE empties it, PERSIST zeroes its header. The
// journal left is not hot, and the committed database is the main file.
func TestJournalCommittedBySQLite(t *testing.T) {
	for _, mode := range []string{"TRUNCATE", "PERSIST"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			var main []byte
			err := withSQLite(dir, nil, nil, func(db *sql.DB) error {
				for _, q := range []string{
					`PRAGMA journal_mode = ` + mode,
					`CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, pad TEXT)`,
					`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
					 INSERT INTO t SELECT i, 'v' || i, printf('%0100d', i) FROM n`,
					`UPDATE t SET v = 'changed' WHERE id % 3 = 0`,
				} {
					if _, err := db.Exec(q); err != nil {
						return fmt.Errorf("%s: %w", q, err)
					}
				}
				var err error
				main, err = os.ReadFile(filepath.Join(dir, "copy.db"))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "copy.db")
			st, err := os.Stat(path + "-journal")
			if err != nil || (mode == "PERSIST") != (st.Size() > 0) {
				t.Fatalf("journal left by %s: %v, %v", mode, st, err)
			}
			f := open(t, path, pagefile.Options{})
			if f.Journal != nil || f.JournalError() != nil || f.JournalNotHot() == "" {
				t.Errorf("Journal %v, JournalError %v, JournalNotHot %q", f.Journal, f.JournalError(), f.JournalNotHot())
			}
			rows := btreeRows(t, f)
			if diff := cmp.Diff(sqliteRows(t, main), rows); diff != "" {
				t.Errorf("rows of t (-SQLite +pagefile):\n%s", diff)
			}
			if len(rows) != 300 || rows[2].V != "changed" {
				t.Errorf("%d rows, row 3 %+v; want the committed 300 with row 3 changed", len(rows), rows[2])
			}
		})
	}
}

// TestJournalSuperJournal appends the name of a super-journal, as SQLite
// does to each journal of a transaction over several databases. The
// transaction committed when the super-journal no longer exists, and the
// journal is then not hot; while it exists the journal is rolled back. A
// name whose checksum fails is ignored, as by SQLite.
func TestJournalSuperJournal(t *testing.T) {
	const super = "/nowhere/db.sqlite-mj7F3A90C1"
	for _, synchronous := range []string{"FULL", "OFF"} {
		t.Run(synchronous, func(t *testing.T) {
			hj := loadHotJournal(t, synchronous)
			jb := append(clone(hj.Journal), superJournalTrailer(super, hj.PageSize)...)
			path := writeDBJournal(t, hj.Main, jb)
			committed := mainPages(t, hj.Committed, hj.PageSize)

			f := open(t, path, pagefile.Options{})
			if f.Journal != nil || !strings.Contains(f.JournalNotHot(), super) {
				t.Errorf("super-journal missing: Journal %v, JournalNotHot %q", f.Journal, f.JournalNotHot())
			}
			if diff := diffPages(mainPages(t, hj.Main, hj.PageSize), sourcePages(t, f)); diff != "" {
				t.Errorf("not hot: File vs the main file:\n%s", diff)
			}

			// Copied beside the journal, the super-journal is found by its
			// base name.
			if err := os.WriteFile(filepath.Join(filepath.Dir(path), filepath.Base(super)), []byte("db.sqlite-journal\x00"), 0o644); err != nil {
				t.Fatal(err)
			}
			f = open(t, path, pagefile.Options{})
			if f.Journal == nil || f.Journal.SuperJournal != super || f.Journal.Damaged() {
				t.Fatalf("super-journal present: Journal %v, JournalNotHot %q, JournalError %v", f.Journal, f.JournalNotHot(), f.JournalError())
			}
			if diff := diffPages(committed, sourcePages(t, f)); diff != "" {
				t.Errorf("hot: File vs the committed database:\n%s", diff)
			}

			// Without a way to look, a named super-journal is taken to exist.
			j := readJournal(t, jb, pagefile.JournalOptions{})
			if !j.Hot || j.SuperJournal != super || len(j.Records) != len(f.Journal.Records) {
				t.Errorf("no SuperJournalExists: hot %v, super %q, %d records", j.Hot, j.SuperJournal, len(j.Records))
			}

			bad := clone(jb)
			bad[len(bad)-12] ^= 0x01 // the name's checksum
			j = readJournal(t, bad, pagefile.JournalOptions{SuperJournalExists: func(string) bool { return false }})
			if !j.Hot || j.SuperJournal != "" || len(j.Problems) != 1 || len(j.Records) != len(f.Journal.Records) {
				t.Errorf("bad name checksum: hot %v, super %q, problems %v, %d records", j.Hot, j.SuperJournal, j.Problems, len(j.Records))
			}
		})
	}
}

// TestJournalPageSizeMismatch gives the database another page size than
// the journal: the journal cannot be rolled back.
func TestJournalPageSizeMismatch(t *testing.T) {
	hj := loadHotJournal(t, "OFF")
	want := problem{Offset: 24, Cause: "ErrBadValue"}
	j, err := pagefile.ReadJournal(bytes.NewReader(hj.Journal), int64(len(hj.Journal)), pagefile.JournalOptions{PageSize: 4096})
	if diff := cmp.Diff(want, describe(err)); diff != "" || j != nil {
		t.Errorf("ReadJournal with page size 4096: %v (-want +got):\n%s", j, diff)
	}
	f := open(t, writeDBJournal(t, hj.Main, hj.Journal), pagefile.Options{Geometry: &pagefile.Geometry{PageSize: 2048}})
	if diff := cmp.Diff(want, describe(f.JournalError())); diff != "" || f.Journal != nil {
		t.Errorf("Open with page size 2048: Journal %v, JournalError (-want +got):\n%s", f.Journal, diff)
	}
}

// TestJournalDamagedHeaderFields damages the first header's magic, page
// size or sector size. SQLite would not roll such a journal back; the
// records show which geometry they were written with, and the journal is
// rolled back with it.
func TestJournalDamagedHeaderFields(t *testing.T) {
	hj := loadHotJournal(t, "FULL")
	committed := mainPages(t, hj.Committed, hj.PageSize)
	set := func(off int, v uint32) []byte {
		b := clone(hj.Journal)
		binary.BigEndian.PutUint32(b[off:], v)
		return b
	}
	flipMagic := clone(hj.Journal)
	flipMagic[3] ^= 0x40
	for _, tt := range []struct {
		name     string
		journal  []byte
		pageSize int // the database's, for ReadJournal
		salvaged string
	}{
		{"page size 1000", set(24, 1000), hj.PageSize, "page size 1000"},
		{"page size 1000, database's unknown", set(24, 1000), 0, "page size 1000"},
		{"sector size 3", set(20, 3), hj.PageSize, "sector size 3"},
		{"magic", flipMagic, hj.PageSize, "magic"},
		// SQLite before 3.5.8 wrote no page size: the database's is used.
		{"page size 0", set(24, 0), hj.PageSize, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := readJournal(t, tt.journal, pagefile.JournalOptions{PageSize: tt.pageSize})
			if !strings.Contains(j.Salvaged, tt.salvaged) || (tt.salvaged == "") != (j.Salvaged == "") {
				t.Errorf("Salvaged %q; want it to name %q", j.Salvaged, tt.salvaged)
			}
			if j.PageSize() != hj.PageSize || j.SectorSize() != 512 || j.BadRecords != 0 {
				t.Errorf("page size %d, sector size %d, %d bad records", j.PageSize(), j.SectorSize(), j.BadRecords)
			}
			f := open(t, writeDBJournal(t, hj.Main, tt.journal), pagefile.Options{})
			if diff := diffPages(committed, sourcePages(t, f)); diff != "" {
				t.Errorf("File vs the committed database:\n%s", diff)
			}
		})
	}
	// With the nonce gone too, no record verifies: nothing vouches for the
	// header, and the journal cannot be used.
	b := clone(flipMagic)
	b[13] ^= 0x01
	_, err := pagefile.ReadJournal(bytes.NewReader(b), int64(len(b)), pagefile.JournalOptions{PageSize: hj.PageSize})
	if diff := cmp.Diff(problem{Cause: "ErrBadValue"}, describe(err)); diff != "" {
		t.Errorf("magic and nonce damaged (-want +got):\n%s", diff)
	}
}

// TestJournalTooShort reads journals cut inside their header: they are
// not zeroed, so something was there, but nothing of it can be used.
func TestJournalTooShort(t *testing.T) {
	hj := loadHotJournal(t, "OFF")
	for _, n := range []int{1, 27, 28, 511} {
		j, err := pagefile.ReadJournal(bytes.NewReader(hj.Journal[:n]), int64(n), pagefile.JournalOptions{})
		if diff := cmp.Diff(problem{Cause: "ErrTruncated"}, describe(err)); diff != "" || j != nil {
			t.Errorf("%d bytes: %v (-want +got):\n%s", n, j, diff)
		}
	}
	// A header sector and nothing else is a transaction that changed
	// nothing yet: hot, with no record.
	j := readJournal(t, hj.Journal[:512], pagefile.JournalOptions{})
	if !j.Hot || len(j.Records) != 0 || j.BadRecords != 0 {
		t.Errorf("header only: hot %v, %d records, %d bad", j.Hot, len(j.Records), j.BadRecords)
	}
}

// TestJournalOriginalSize damages the original size, which no checksum
// covers. The later headers repeat it, and the original page 1's header
// gives it too: they outvote a damaged first header. With no other
// witness the first header's size stands, as for SQLite: a small one
// leaves the records of later pages unused, a huge one is cut down to what
// the files hold.
func TestJournalOriginalSize(t *testing.T) {
	withSize := func(journal []byte, n uint32) []byte {
		b := clone(journal)
		binary.BigEndian.PutUint32(b[16:], n)
		return b
	}
	for _, tt := range []struct {
		synchronous string
		size        uint32
	}{
		{"FULL", 0x7fffffff}, {"FULL", 100}, {"FULL", 0}, // outvoted by the later headers and page 1
		{"OFF", 0x7fffffff}, {"OFF", 100}, {"OFF", 0}, // outvoted by page 1
	} {
		t.Run(fmt.Sprintf("%s/%d", tt.synchronous, tt.size), func(t *testing.T) {
			hj := loadHotJournal(t, tt.synchronous)
			want := uint32(len(hj.Committed) / hj.PageSize)
			jb := withSize(hj.Journal, tt.size)
			j := readJournal(t, jb, pagefile.JournalOptions{})
			if j.OriginalSize() != want || j.Beyond != 0 || !strings.Contains(j.Salvaged, "not the first header's") || len(j.Problems) != 1 {
				t.Errorf("original size %d (want %d), %d beyond, salvaged %q, problems %v", j.OriginalSize(), want, j.Beyond, j.Salvaged, j.Problems)
			}
			f := open(t, writeDBJournal(t, hj.Main, jb), pagefile.Options{})
			if diff := diffPages(mainPages(t, hj.Committed, hj.PageSize), sourcePages(t, f)); diff != "" {
				t.Errorf("File vs the committed database:\n%s", diff)
			}
		})
	}

	// Without page 1's record, a single header has no witness.
	hj := loadHotJournal(t, "OFF")
	orig := readJournal(t, hj.Journal, pagefile.JournalOptions{})
	var p1 pagefile.JournalRecord
	for _, r := range orig.Records {
		if r.Pgno == 1 {
			p1 = r
		}
	}
	if p1.Pgno == 0 {
		t.Fatal("the journal holds no record of page 1")
	}
	noPage1 := func(n uint32) []byte {
		b := withSize(hj.Journal, n)
		b[p1.Offset+4+int64(hj.PageSize)] ^= 0x01 // its checksum
		return b
	}
	small := noPage1(100)
	j := readJournal(t, small, pagefile.JournalOptions{})
	beyond := 0
	for _, r := range orig.Records {
		if r.Pgno > 100 {
			beyond++
		}
	}
	if beyond == 0 || j.OriginalSize() != 100 || j.Beyond != beyond || j.Has(101) || j.Salvaged != "" {
		t.Errorf("original size 100: size %d, %d beyond (want %d), salvaged %q", j.OriginalSize(), j.Beyond, beyond, j.Salvaged)
	}
	if f := open(t, writeDBJournal(t, hj.Main, small), pagefile.Options{}); f.PageCount() != 100 {
		t.Errorf("original size 100: %d pages", f.PageCount())
	}
	f := open(t, writeDBJournal(t, hj.Main, noPage1(0x7fffffff)), pagefile.Options{})
	if f.Journal == nil || f.PageCount() != f.Main.PageCount() || len(f.Problems) != 1 {
		t.Errorf("original size 2^31-1: Journal %v, %d pages (main file %d), problems %v", f.Journal, f.PageCount(), f.Main.PageCount(), f.Problems)
	}
}

// TestOpenJournalOptions: NoJournal ignores the journal, JournalPath names
// another, which must then exist.
func TestOpenJournalOptions(t *testing.T) {
	hj := loadHotJournal(t, "OFF")
	committed := mainPages(t, hj.Committed, hj.PageSize)
	main := mainPages(t, hj.Main, hj.PageSize)
	path := writeDBJournal(t, hj.Main, []byte("not a journal, and not hot either"))
	elsewhere := filepath.Join(t.TempDir(), "saved-journal")
	if err := os.WriteFile(elsewhere, hj.Journal, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		opts pagefile.Options
		want [][]byte
	}{
		{"damaged default journal", pagefile.Options{}, main},
		{"explicit journal", pagefile.Options{JournalPath: elsewhere}, committed},
		{"no journal", pagefile.Options{NoJournal: true, JournalPath: elsewhere}, main},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, path, tt.opts)
			if diff := diffPages(tt.want, sourcePages(t, f)); diff != "" {
				t.Errorf("pages:\n%s", diff)
			}
		})
	}
	f := open(t, path, pagefile.Options{})
	if diff := cmp.Diff(problem{Cause: "ErrBadValue"}, describe(f.JournalError())); diff != "" {
		t.Errorf("JournalError of a file that is no journal (-want +got):\n%s", diff)
	}
	if _, err := pagefile.Open(path, pagefile.Options{JournalPath: elsewhere + "-nope"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing explicit journal: %v", err)
	}
	if err := os.Remove(path + "-journal"); err != nil {
		t.Fatal(err)
	}
	f = open(t, path, pagefile.Options{})
	if f.Journal != nil || f.JournalError() != nil || f.JournalNotHot() != "" {
		t.Errorf("no journal: %v, %v, %q", f.Journal, f.JournalError(), f.JournalNotHot())
	}
}

// TestJournalAndWAL puts a WAL beside a hot journal, which SQLite never
// leaves: the journal is rolled back, the WAL overlaid on that, and the
// oddity recorded.
func TestJournalAndWAL(t *testing.T) {
	hj := loadHotJournal(t, "OFF")
	// A WAL of this page size with a header and no frame changes nothing.
	wal := make([]byte, pagefile.WALHeaderSize)
	binary.BigEndian.PutUint32(wal[0:], walMagicLE)
	binary.BigEndian.PutUint32(wal[4:], 3007000)
	binary.BigEndian.PutUint32(wal[8:], uint32(hj.PageSize))
	wal = rechecksum(wal, walMagicLE, 0)
	path := writeDBJournal(t, hj.Main, hj.Journal)
	if err := os.WriteFile(path+"-wal", wal, 0o644); err != nil {
		t.Fatal(err)
	}
	f := open(t, path, pagefile.Options{})
	if f.Journal == nil || f.WAL == nil || len(f.Problems) != 1 || !strings.Contains(f.Problems[0].Reason, "both") {
		t.Fatalf("Journal %v, WAL %v (%v), problems %v", f.Journal, f.WAL, f.WALError(), f.Problems)
	}
	if diff := diffPages(mainPages(t, hj.Committed, hj.PageSize), sourcePages(t, f)); diff != "" {
		t.Errorf("File vs the committed database:\n%s", diff)
	}
}

// TestJournalOverlayRanges reads the rolled-back database in runs of
// pages, as backups and read-ahead do: the same pages as one at a time.
func TestJournalOverlayRanges(t *testing.T) {
	hj := loadHotJournal(t, "OFF")
	j := readJournal(t, hj.Journal, pagefile.JournalOptions{PageSize: hj.PageSize})
	for _, main := range [][]byte{hj.Main, hj.Main[:100*hj.PageSize]} {
		base, err := pagefile.NewBytesSource(main, hj.PageSize)
		if err != nil {
			t.Fatal(err)
		}
		ov, err := pagefile.NewJournalOverlay(base, j)
		if err != nil {
			t.Fatal(err)
		}
		if ov.Journal() != j || ov.Base() != pagefile.Source(base) {
			t.Errorf("Journal() %p, Base() %v", ov.Journal(), ov.Base())
		}
		want := sourcePages(t, ov)
		for _, run := range []uint32{1, 7, 64, ov.PageCount()} {
			for first := uint32(1); first <= ov.PageCount(); first += run {
				n := min(run, ov.PageCount()-first+1)
				buf := make([]byte, int(n)*hj.PageSize)
				if err := pagefile.ReadPages(ov, first, buf); err != nil {
					t.Fatal(err)
				}
				for i := range n {
					if !bytes.Equal(buf[int(i)*hj.PageSize:][:hj.PageSize], want[first+i-1]) {
						t.Fatalf("main file of %d bytes, run of %d from page %d: page %d differs", len(main), run, first, first+i)
					}
				}
			}
		}
	}
}
