package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAtomicAndCopy(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteAtomic(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(p); err != nil || string(b) != content {
			t.Fatalf("read %q, %v; want %q", b, err, content)
		}
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	q := filepath.Join(dir, "g")
	if err := CopyFile(p, q); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(q); string(b) != "second, longer" {
		t.Errorf("copy holds %q", b)
	}
	if err := SyncFile(q); err != nil {
		t.Error(err)
	}
	if err := SyncDir(dir); err != nil {
		t.Error(err)
	}
}
