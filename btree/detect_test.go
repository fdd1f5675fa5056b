package btree_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// TestDetectGeometry destroys the header of databases of every page size
// (with and without reserved bytes) and checks detection recovers the page
// size and reserve exactly from the pages alone.
func TestDetectGeometry(t *testing.T) {
	ctx := context.Background()
	for _, c := range crossCheckMatrix() {
		if c.WAL || c.Encoding != 2 {
			continue // one encoding per page size keeps this quick
		}
		t.Run(c.Name(), func(t *testing.T) {
			path, err := testdb.Build(ctx, t.TempDir(), c)
			if err != nil {
				t.Fatal(err)
			}
			img, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			clear(img[:100])
			g, _, err := btree.DetectGeometry(bytes.NewReader(img), int64(len(img)))
			want := pagefile.Geometry{PageSize: c.PageSize, Reserved: c.Reserved}
			if err != nil || g != want {
				t.Fatalf("detected %+v, %v; want %+v", g, err, want)
			}
		})
	}
}

func TestDetectGeometryRefusesNoise(t *testing.T) {
	noise := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	if g, _, err := btree.DetectGeometry(bytes.NewReader(noise), int64(len(noise))); err == nil {
		t.Fatalf("detected %+v in random bytes", g)
	}
}
