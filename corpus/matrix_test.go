package corpus

import (
	"context"
	"testing"
	"time"
)

// TestDefaultMatrixBuildsAndCorrupts builds the benchmark's default matrix
// (every kind and target, three seeds, small databases) and checks that
// every case damaged something and that the whole matrix is fast.
func TestDefaultMatrixBuildsAndCorrupts(t *testing.T) {
	cases := Matrix(MatrixOptions{})
	start := time.Now()
	built, err := BuildMatrix(context.Background(), t.TempDir(), cases)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if len(built) != len(cases) {
		t.Fatalf("built %d of %d cases", len(built), len(cases))
	}
	names := map[string]bool{}
	for _, b := range built {
		if names[b.Name] {
			t.Errorf("case name %s twice", b.Name)
		}
		names[b.Name] = true
		changed := int64(0)
		for _, f := range b.Damage.Files {
			changed += f.BytesChanged + f.OldSize - f.NewSize
		}
		if changed == 0 {
			t.Errorf("%s: nothing changed", b.Name)
		}
	}
	// 2 targets × 5 + 16 kinds without a target, × 3 seeds.
	if want := (2*len(Targets) + len(Kinds()) - 2) * 3; len(cases) != want {
		t.Errorf("%d cases, want %d", len(cases), want)
	}
	if elapsed > 2*time.Minute {
		t.Errorf("the default matrix took %v to build and corrupt; the budget is 2 minutes", elapsed)
	}
	t.Logf("%d cases built and corrupted in %v", len(built), elapsed)
}
