package bulk_test

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// geometry is a database layout the tests build with SQLite.
type geometry struct {
	pageSize, reserved int
	encoding           uint32
	autoVacuum         int // 0 none, 1 full, 2 incremental: a pointer map
}

func (g geometry) String() string {
	return fmt.Sprintf("ps%d-r%d-%s-av%d", g.pageSize, g.reserved, pagefile.EncodingName(g.encoding), g.autoVacuum)
}

var geometries = []geometry{
	{512, 0, pagefile.EncodingUTF8, 0},
	{1024, 0, pagefile.EncodingUTF16LE, 0},
	{4096, 0, pagefile.EncodingUTF8, 0},
	{4096, 32, pagefile.EncodingUTF16BE, 0},
	{8192, 12, pagefile.EncodingUTF8, 1},
	{65536, 0, pagefile.EncodingUTF8, 0},
	{1024, 0, pagefile.EncodingUTF8, 2},
}

// newDB creates a database with the geometry and runs stmts on it with
// SQLite. database/sql cannot ask for reserved bytes, so the first page is
// written here, as SQLite would write it, and SQLite keeps its geometry.
func newDB(t testing.TB, dir string, g geometry, stmts ...string) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("db-%d.db", rand.Int64()))
	page := make([]byte, g.pageSize)
	be := binary.BigEndian
	copy(page, pagefile.Magic)
	stored := g.pageSize
	if stored == 65536 {
		stored = 1
	}
	be.PutUint16(page[16:], uint16(stored))
	page[18], page[19], page[20] = 1, 1, byte(g.reserved)
	page[21], page[22], page[23] = 64, 32, 32
	be.PutUint32(page[24:], 1)
	be.PutUint32(page[28:], 1)
	be.PutUint32(page[44:], 4)
	be.PutUint32(page[56:], g.encoding)
	if g.autoVacuum != 0 {
		be.PutUint32(page[52:], 1) // a pointer map: auto_vacuum
	}
	if g.autoVacuum == 2 {
		be.PutUint32(page[64:], 1)
	}
	be.PutUint32(page[92:], 1)
	page[pagefile.HeaderSize] = 0x0d
	be.PutUint16(page[pagefile.HeaderSize+5:], uint16(g.pageSize-g.reserved))
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	execOn(t, path, stmts...)
	return path
}

func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	// A plain path: as a file: URI, the # of a fuzz seed's directory would
	// end it.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

func execOn(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// query returns every row of q as typed strings, so that 1, 1.0 and '1'
// differ.
func query(t testing.TB, path, q string, args ...any) [][]string {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	var out [][]string
	for _, vals := range testdb.QueryAll(t, db, q, args...) {
		out = append(out, typed(vals))
	}
	return out
}

func typed(vals []any) []string {
	row := make([]string, len(vals))
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			row[i] = fmt.Sprintf("blob:%x", b)
			continue
		}
		row[i] = fmt.Sprintf("%T:%v", v, v)
	}
	return row
}

func integrity(t testing.TB, path string) string {
	t.Helper()
	var lines []string
	for _, r := range query(t, path, `PRAGMA integrity_check`) {
		lines = append(lines, strings.TrimPrefix(r[0], "string:"))
	}
	return strings.Join(lines, "; ")
}

// roots reads sqlite_master with the project's reader.
func roots(t testing.TB, path string) map[string]uint32 {
	t.Helper()
	f, err := pagefile.Open(path, pagefile.Options{NoWAL: true, NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _, err := btree.ReaderFor(f).ReadSchema()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint32{}
	for _, r := range rows {
		out[r.Name] = uint32(r.RootPage)
	}
	return out
}

// payloads returns the payload of every entry of the tree at root, in
// order, with the rowid for table trees.
func payloads(t testing.TB, path string, root uint32) []string {
	t.Helper()
	f, err := pagefile.Open(path, pagefile.Options{NoWAL: true, NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	res, err := btree.ReaderFor(f).Walk(root, func(e *btree.Entry) error {
		out = append(out, fmt.Sprintf("%d:%x", e.Rowid, e.Payload))
		return nil
	})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("walking tree %d: %v %v", root, err, res.Errors)
	}
	return out
}

// randomValue draws a value of every storage class, with sizes up to a few
// pages so that overflow chains of several pages occur at every page size.
func randomValue(rng *rand.Rand, big int) any {
	switch rng.IntN(12) {
	case 0:
		return nil
	case 1:
		return int64(rng.IntN(3)) // 0, 1 and 2: the bodiless serial types
	case 2:
		return rng.Int64() >> uint(rng.IntN(64))
	case 3:
		return -rng.Int64() >> uint(rng.IntN(64))
	case 4:
		return math.Float64frombits(rng.Uint64()&^(0x7ff<<52)|(uint64(rng.IntN(2000))+24)<<52) + 0.5
	case 5, 6:
		return randomText(rng, rng.IntN(40))
	case 7:
		return randomText(rng, rng.IntN(big))
	case 8:
		b := make([]byte, rng.IntN(big))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	case 9:
		return []byte{}
	case 10:
		return strings.Repeat("ab ", rng.IntN(5)) + string(rune('A'+rng.IntN(26))) + strings.Repeat(" ", rng.IntN(3))
	}
	return ""
}

func randomText(rng *rand.Rand, n int) string {
	alphabet := []rune("aAbBzZ09 _-éÉ€𝄞\x00")
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}
