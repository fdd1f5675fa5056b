package master

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// TestWALHeaderStill checks the test capture uses to notice a WAL restarted
// under it: the same header passes, new salts or a new checkpoint sequence
// (what a restart writes) do not, nor does a missing WAL.
func TestWALHeaderStill(t *testing.T) {
	path, err := testdb.Build(context.Background(), t.TempDir(), testdb.Config{PageSize: 1024, Encoding: 1, AutoVacuum: "none", Rows: 20, WAL: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	w, err := pagefile.ReadWAL(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if !walHeaderStill(path+"-wal", w.Header) {
		t.Fatalf("an untouched WAL reads as changed")
	}
	for _, off := range []int{12, 16, 20} {
		c := bytes.Clone(b)
		binary.BigEndian.PutUint32(c[off:], binary.BigEndian.Uint32(c[off:])+1)
		if err := os.WriteFile(path+"-wal", c, 0o644); err != nil {
			t.Fatal(err)
		}
		if walHeaderStill(path+"-wal", w.Header) {
			t.Errorf("a header changed at offset %d reads as unchanged", off)
		}
	}
	if walHeaderStill(path+"-missing-wal", w.Header) {
		t.Errorf("a missing WAL reads as unchanged")
	}
}
