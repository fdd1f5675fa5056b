package corpus

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/internal/testdb"
)

// TestCorruptHostileInputs runs every kind on files that are already
// broken: nothing may panic, and every failure must be a typed error.
func TestCorruptHostileInputs(t *testing.T) {
	dir := t.TempDir()
	db := sharedDB(t, plainSpec)
	noise := make([]byte, 10000)
	fillRandom(rand.New(rand.NewPCG(1, 2)), noise)
	inputs := map[string][]byte{
		"noise":    noise,
		"tiny":     testdb.ReadFile(t, db.Path)[:50],
		"one-page": testdb.ReadFile(t, db.Path)[:4096],
	}
	for _, k := range []Kind{ZeroPage1, Truncate, SchemaSQLGarbled} {
		out := filepath.Join(dir, string(k)+".db")
		if _, err := Corrupt(context.Background(), db.Path, out, Corruption{Kind: k, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		inputs["after-"+string(k)] = testdb.ReadFile(t, out)
	}
	for name, b := range inputs {
		in := filepath.Join(dir, name+".db")
		if err := os.WriteFile(in, b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, k := range Kinds() {
			for _, target := range append([]Target{""}, k.Targets...) {
				_, err := Corrupt(context.Background(), in, filepath.Join(dir, "out.db"), Corruption{Kind: k.Kind, Seed: 5, Target: target})
				var ce *CorruptionError
				if err != nil && !errors.As(err, &ce) {
					t.Errorf("%s on %s: untyped error %v", k.Kind, name, err)
				}
			}
		}
	}
}
