package master_test

import (
	"context"
	"encoding/binary"
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
	f.Fuzz(checkDecode)
}

// FuzzDecodeBody decodes arbitrary bytes as the body of a backup in
// either format version, sealed with valid checksums: FuzzDecode's
// mutations almost never get past the CRCs, so this is what exercises the
// body's decoder (counts, bounds, lists) on hostile input. Its seeds are
// the bodies of FuzzDecode's seeds, in the version each was written in.
func FuzzDecodeBody(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzDecode", "*"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no FuzzDecode seeds: %v", err)
	}
	for _, name := range seeds {
		file := readSeed(f, name)
		f.Add(bodyOf(f, file), binary.BigEndian.Uint16(file[8:]), binary.BigEndian.Uint16(file[10:]))
	}
	template := mustEncode(f, smallMeta())
	f.Fuzz(func(t *testing.T, body []byte, version, flags uint16) {
		b := withBody(t, template, body, 0)
		binary.BigEndian.PutUint16(b[8:], version)
		binary.BigEndian.PutUint16(b[10:], flags)
		reseal(b)
		checkDecode(t, b)
	})
}

// checkDecode fails unless b is rejected with a *FormatError or decodes
// to a Meta that encodes back to a file decoding to the same Meta.
func checkDecode(t *testing.T, b []byte) {
	t.Helper()
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
}

// readSeed returns the bytes of a "go test fuzz v1" file of one []byte.
var readSeed = testdb.ReadSeed

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
