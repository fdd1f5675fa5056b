package master_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

// TestCaptureRoundTripOnCorpus captures the messenger databases of the
// corpus generator in every variant, writes and reads the backup back, and
// checks the page lists against the file. The messenger schema adds what
// testdb lacks: AUTOINCREMENT (sqlite_sequence), a column added by ALTER
// TABLE ... ADD COLUMN ... DEFAULT, a view and a trigger.
func TestCaptureRoundTripOnCorpus(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []corpus.Spec{
		{Seed: 1, PageSize: 1024},
		{Seed: 2, PageSize: 4096, Encoding: corpus.UTF16LE, Deletes: true},
		{Seed: 3, PageSize: 8192, Encoding: corpus.UTF16BE, AutoVacuum: "full", Reserved: 8},
		{Seed: 4, PageSize: 65536, AutoVacuum: "incremental", Reserved: 32, Deletes: true},
		{Seed: 5, PageSize: 4096, WAL: true, Deletes: true},
		{Seed: 6, PageSize: 1024, Encoding: corpus.UTF16LE, Reserved: 12, AutoVacuum: "full", WAL: true},
	} {
		t.Run(spec.Name(), func(t *testing.T) {
			t.Parallel()
			db, err := corpus.Generate(ctx, t.TempDir(), spec)
			if err != nil {
				t.Fatal(err)
			}
			before := hashFiles(t, db.Path)
			m, err := master.Capture(ctx, db.Path, master.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, hashFiles(t, db.Path)); diff != "" {
				t.Errorf("capture changed the database files (-before +after):\n%s", diff)
			}
			metaPath := db.Path + ".meta"
			if err := master.WriteFile(metaPath, m); err != nil {
				t.Fatal(err)
			}
			got, err := master.ReadFile(metaPath)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(m, got); diff != "" {
				t.Fatalf("read back differs (-captured +read):\n%s", diff)
			}
			checkPageLists(t, db.Path, m)
			checkEntries(t, testdb.OpenCopy(t, db.Path, spec.WAL), m)
			if len(m.Sequences) == 0 {
				t.Errorf("no sqlite_sequence rows captured for the AUTOINCREMENT table")
			}
			kinds := map[string]int{}
			for _, r := range m.Schema {
				kinds[r.Type]++
			}
			if kinds["view"] == 0 || kinds["trigger"] == 0 {
				t.Errorf("schema rows by type %v: want views and triggers kept", kinds)
			}
			defaults := 0
			for _, tb := range m.Tables {
				for _, c := range tb.Columns {
					if c.HasDefault {
						defaults++
					}
				}
			}
			if defaults == 0 {
				t.Errorf("no column DEFAULT captured (the ADD COLUMN ... DEFAULT column)")
			}
		})
	}
}
