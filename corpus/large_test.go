//go:build corpus_large

package corpus

import (
	"context"
	"os"
	"testing"
)

// TestGenerateLarge builds the 200 MB database. It takes about a minute
// and 200 MB of disk, so it only runs with -tags corpus_large:
//
//	go test -tags corpus_large -run Large ./corpus
func TestGenerateLarge(t *testing.T) {
	db, err := Generate(context.Background(), t.TempDir(), Spec{Seed: 1, Bytes: SizeLarge, Deletes: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(db.Path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < SizeLarge {
		t.Errorf("large database is %d bytes, want at least %d", st.Size(), SizeLarge)
	}
	if got := integrity(t, db.Path); got != "ok" {
		t.Errorf("integrity_check: %s", got)
	}
}
