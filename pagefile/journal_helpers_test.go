package pagefile_test

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// journalPageSize is small so that the transaction spans many pages and
// many cache spills (journal segments) in little space.
const journalPageSize = 1024

var hotJournals = struct {
	sync.Mutex
	m map[string]*testdb.HotJournal
}{m: map[string]*testdb.HotJournal{}}

// loadHotJournal builds (once per synchronous setting) and returns a hot
// journal fixture. synchronous=FULL syncs the journal at every spill, each
// time starting a new segment with its own record count and nonce;
// synchronous=OFF writes one segment whose count is 0xFFFFFFFF ("to the
// end of the file"). Callers must not modify the returned slices.
func loadHotJournal(t *testing.T, synchronous string) *testdb.HotJournal {
	t.Helper()
	hotJournals.Lock()
	defer hotJournals.Unlock()
	if hj := hotJournals.m[synchronous]; hj != nil {
		return hj
	}
	dir := filepath.Join(fixtureDir, "journal-"+synchronous)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	hj, err := testdb.BuildHotJournal(filepath.Join(dir, "db.sqlite"), synchronous, journalPageSize, 2000)
	if err != nil {
		t.Fatalf("building the hot journal fixture: %v", err)
	}
	hotJournals.m[synchronous] = hj
	return hj
}

// writeDBJournal writes a database and its -journal (when journal is not
// nil) into a new temporary directory and returns the database path.
func writeDBJournal(t *testing.T, main, journal []byte) string {
	t.Helper()
	path := writeDB(t, main, nil)
	if journal != nil {
		if err := os.WriteFile(path+"-journal", journal, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func readJournal(t *testing.T, b []byte, opts pagefile.JournalOptions) *pagefile.Journal {
	t.Helper()
	j, err := pagefile.ReadJournal(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("ReadJournal: %v", err)
	}
	return j
}

// tRow is a row of the fixture's table t.
type tRow struct {
	ID     int64
	V, Pad string
}

// sqliteRows reads t through SQLite from a copy of the database main.
func sqliteRows(t *testing.T, main []byte) []tRow {
	t.Helper()
	var rows []tRow
	err := withSQLite(t.TempDir(), main, nil, func(db *sql.DB) error {
		rs, err := db.Query(`SELECT id, v, pad FROM t ORDER BY id`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r tRow
			if err := rs.Scan(&r.ID, &r.V, &r.Pad); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		t.Fatalf("reading t through SQLite: %v", err)
	}
	return rows
}

// btreeRows reads t through package btree from the pages of src.
func btreeRows(t *testing.T, src pagefile.Source) []tRow {
	t.Helper()
	r := btree.NewReader(src, src.PageSize(), pagefile.EncodingUTF8)
	schema, _, err := r.ReadSchema()
	if err != nil {
		t.Fatal(err)
	}
	var root uint32
	for _, row := range schema {
		if row.Name == "t" {
			root = uint32(row.RootPage)
		}
	}
	if root == 0 {
		t.Fatalf("no table t in sqlite_master (%d rows)", len(schema))
	}
	var rows []tRow
	res, err := r.Walk(root, func(e *btree.Entry) error {
		vals, err := r.Record(e.Payload)
		if err != nil {
			return err
		}
		if len(vals) != 3 {
			return fmt.Errorf("row %d has %d columns", e.Rowid, len(vals))
		}
		v, _ := vals[1].(string)
		pad, _ := vals[2].(string)
		rows = append(rows, tRow{ID: e.Rowid, V: v, Pad: pad})
		return nil
	})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("walking t: %v, %v", err, res.Errors)
	}
	return rows
}

// firstRecords returns the records used from the first segment
// of the journal in b, in file order.
func firstRecords(t *testing.T, b []byte) []pagefile.JournalRecord {
	t.Helper()
	j := readJournal(t, b, pagefile.JournalOptions{})
	var recs []pagefile.JournalRecord
	for _, r := range j.Records {
		if r.Segment == 0 {
			recs = append(recs, r)
		}
	}
	if len(recs) < 2 {
		t.Fatalf("the first segment has %d records; the test needs 2", len(recs))
	}
	return recs
}

// superJournalTrailer is what SQLite appends to each journal of a
// transaction over several databases: page number, name, length, checksum
// of the name's bytes, magic.
func superJournalTrailer(name string, pageSize int) []byte {
	be := binary.BigEndian
	var sum uint32
	for _, c := range []byte(name) {
		sum += uint32(c)
	}
	b := be.AppendUint32(nil, pagefile.LockBytePage(pageSize))
	b = append(b, name...)
	b = be.AppendUint32(b, uint32(len(name)))
	b = be.AppendUint32(b, sum)
	return append(b, 0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7)
}
