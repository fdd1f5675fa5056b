package recover

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbrescue/dbrescue/corpus"
)

// TestBulkFailureFallsBack makes the builder fail after SQLite closed the
// output, having damaged the file on the way: the repair must be done
// again through INSERT, completely, and say so.
func TestBulkFailureFallsBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := corpus.Generate(ctx, dir, corpus.Spec{Seed: 2, PageSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	buildHook = func(path string) error {
		_ = os.WriteFile(path, []byte("garbage"), 0o644)
		return errors.New("induced failure")
	}
	defer func() { buildHook = nil }()
	rep, err := Repair(ctx, db.Path, Options{Output: filepath.Join(dir, "out.db")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Integrity != "ok" || rep.Status != StatusComplete {
		t.Errorf("integrity %s, status %s", rep.Integrity, rep.Status)
	}
	var paths []string
	for _, tr := range rep.Tables {
		paths = append(paths, tr.Path)
	}
	if slices.Contains(paths, PathBulk) || len(paths) == 0 {
		t.Errorf("paths %v, want INSERT throughout", paths)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "induced failure") }) {
		t.Errorf("warnings %v do not say the builder failed", rep.Warnings)
	}
}
