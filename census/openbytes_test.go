package census_test

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// OpenBytes reads an image in memory under the same policy as Open reads
// the file: the same geometry, from the header or, with the header
// zeroed, detected.
func TestOpenBytesAgreesWithOpen(t *testing.T) {
	for _, cfg := range matrix()[:3] {
		path, _ := build(t, cfg)
		for _, p := range []string{path, damaged(t, path, func(b []byte) []byte { clear(b[:100]); return b })} {
			f, want, err := census.Open(p, census.Hint{}, pagefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			fb, got, err := census.OpenBytes(b, census.Hint{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" || fb.PageCount() != uint32(len(b)/cfg.PageSize) {
				t.Errorf("%s: %d pages; geometry (-Open +OpenBytes):\n%s", cfg.Name(), fb.PageCount(), diff)
			}
		}
	}
}
