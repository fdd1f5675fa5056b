package master_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

// bigMeta is a synthetic backup of a database of a million pages, so that
// writing it takes long enough for a kill to land mid-write.
func bigMeta(stamp int64) *master.Meta {
	m := &master.Meta{
		CapturedAt: stamp,
		Header:     master.Header{PageSize: 4096, TextEncoding: 1, PageCount: 1 << 20},
		Schema:     []master.SchemaRow{{Type: "table", Name: "t", TblName: "t", RootPage: 2, SQL: "CREATE TABLE t(a)"}},
	}
	tr := master.Tree{Name: "t", Root: 2, Kind: master.TreeTable, Interior: []uint32{2}}
	rng := rand.New(rand.NewPCG(uint64(stamp), 1))
	for p := uint32(3); p < 1<<19; p++ {
		tr.Leaves = append(tr.Leaves, master.Leaf{Pgno: p, CRC: rng.Uint32()})
	}
	m.Trees = []master.Tree{tr}
	return m
}

// TestMetaWriterProcess is the child of TestWriteSurvivesKill: it rewrites
// the backup named by DBRESCUE_META_WRITER until it is killed. It builds
// the backup once and says so on stdout before writing, so that the
// parent's kills fall while it writes, not while it starts.
func TestMetaWriterProcess(t *testing.T) {
	path := os.Getenv("DBRESCUE_META_WRITER")
	if path == "" {
		t.Skip("child process of TestWriteSurvivesKill")
	}
	m := bigMeta(1)
	testdb.ChildReady()
	for i := int64(1); ; i++ {
		m.CapturedAt = i
		if err := master.WriteFile(path, m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWriteSurvivesKill kills a process rewriting a backup at random
// moments, 60 times; each time a valid generation must remain. A kill that
// lands mid-write leaves the writer's temporary file behind (nothing
// removes it but a later writer, once it is stale): the test counts those
// kills and fails when none landed mid-write, for then it proved nothing.
func TestWriteSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 60 child processes")
	}
	path := filepath.Join(t.TempDir(), "app.db.meta")
	if err := master.WriteFile(path, bigMeta(0)); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 42))
	generations := map[string]int{}
	midWrite := 0 // kills that left a temporary file: the writer was inside WriteFile
	for trial := 0; trial < 60; trial++ {
		child := testdb.StartChild(t, "TestMetaWriterProcess", "DBRESCUE_META_WRITER="+path)
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		child.Kill(t)
		m, used, err := master.ReadLatest(path)
		if err != nil {
			t.Fatalf("trial %d: no readable generation after the kill: %v", trial, err)
		}
		if len(m.Trees) != 1 || len(m.Trees[0].Leaves) != 1<<19-3 {
			t.Fatalf("trial %d: %s read back incomplete", trial, used)
		}
		generations[filepath.Base(used)]++
		temps, err := filepath.Glob(path + ".tmp-*")
		if err != nil {
			t.Fatal(err)
		}
		if len(temps) > 0 {
			midWrite++
		}
		for _, tmp := range temps {
			if err := os.Remove(tmp); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("generation read after each kill: %v; %d of 60 kills landed mid-write", generations, midWrite)
	if midWrite == 0 {
		t.Errorf("no kill landed mid-write: the test proved nothing")
	}
}
