package master_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

// FuzzDecode decodes arbitrary bytes as a metadata backup. Anything it
// accepts must encode back to a file that decodes to the same Meta. Seeds
// in testdata/fuzz/FuzzDecode come from TestUpdateFuzzSeeds: the v2-*
// ones from the current encoder; the others were written by the
// version-1 encoder and are kept, since version 1 still decodes.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := master.Decode(b)
		if err != nil {
			if !isFormatError(err) {
				t.Fatalf("error %T is not a *FormatError: %v", err, err)
			}
			return
		}
		again, err := master.Decode(mustEncode(t, m))
		if err != nil {
			t.Fatalf("re-encoded backup does not decode: %v", err)
		}
		if diff := cmp.Diff(m, again); diff != "" {
			t.Fatalf("re-encoding changed the backup:\n%s", diff)
		}
	})
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDecode")

func TestUpdateFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite testdata/fuzz/FuzzDecode")
	}
	seeds := map[string][]byte{"v2-hostile-sql": mustEncode(t, smallMeta())}
	for _, c := range []testdb.Config{
		{PageSize: 512, Encoding: 1, AutoVacuum: "none", Rows: 12, Seed: 1},
		{PageSize: 1024, Encoding: 2, AutoVacuum: "full", Reserved: 8, Rows: 12, WAL: true, Seed: 2},
	} {
		path, err := testdb.Build(context.Background(), t.TempDir(), c)
		if err != nil {
			t.Fatal(err)
		}
		for _, schemaOnly := range []bool{false, true} {
			m, err := master.Capture(context.Background(), path, master.Options{SchemaOnly: schemaOnly})
			if err != nil {
				t.Fatal(err)
			}
			name := "v2-" + c.Name()
			if schemaOnly {
				name += "-schema-only"
			}
			seeds[name] = mustEncode(t, m)
		}
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		text := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
