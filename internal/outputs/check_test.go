package outputs

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tree builds dir with an input database app.db (and its WAL), a metadata
// backup m with its previous generation, and a page-level backup b with
// its manifest, then the links each case needs.
func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"app.db", "app.db-wal", "m", "m.prev", "b", "b.manifest"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheck(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	type conflict struct{ Output, Input, How string }
	cases := []struct {
		name   string
		setup  func(t *testing.T, dir string) // links to make first
		reads  func(dir string) *Files
		writes func(dir string) *Files
		want   *conflict // nil: no conflict
	}{
		{
			name:   "output is the database",
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).Meta(filepath.Join(d, "app.db")) },
			want:   &conflict{"app.db", "app.db", HowSamePath},
		},
		{
			name:   "output is the database, written with another spelling",
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).File(d + "/sub/../app.db") },
			want:   &conflict{"app.db", "app.db", HowSamePath}, // rel cleans the spelling
		},
		{
			name:   "output is the WAL",
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).Meta(filepath.Join(d, "app.db-wal")) },
			want:   &conflict{"app.db-wal", "app.db-wal", HowCompanion},
		},
		{
			name:   "output is the -shm that does not exist",
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "app.db-shm")) },
			want:   &conflict{"app.db-shm", "app.db-shm", HowCompanion},
		},
		{
			name:   "output's previous generation is the input meta",
			reads:  func(d string) *Files { return new(Files).Meta(filepath.Join(d, "m")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "m.prev")) },
			want:   &conflict{"m.prev", "m.prev", HowCompanion},
		},
		{
			name:   "an output's companion is the input",
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "x.prev")) },
			writes: func(d string) *Files { return new(Files).Meta(filepath.Join(d, "x")) },
			want:   &conflict{"x.prev", "x.prev", HowCompanion},
		},
		{
			name:   "output is the backup's manifest",
			reads:  func(d string) *Files { return new(Files).Backup(filepath.Join(d, "b")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "b.manifest")) },
			want:   &conflict{"b.manifest", "b.manifest", HowCompanion},
		},
		{
			name:   "output is a symbolic link to the input",
			setup:  func(t *testing.T, d string) { symlink(t, "app.db", filepath.Join(d, "link.db")) },
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "link.db")) },
			want:   &conflict{"link.db", "app.db", HowSymlink},
		},
		{
			name:   "output is a link to a companion that does not exist yet",
			setup:  func(t *testing.T, d string) { symlink(t, "app.db-journal", filepath.Join(d, "dangling")) },
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "dangling")) },
			want:   &conflict{"dangling", "app.db-journal", HowSymlink},
		},
		{
			name:   "output in a symlinked directory names the input",
			setup:  func(t *testing.T, d string) { symlink(t, d, filepath.Join(d, "alias")) },
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "alias", "app.db-wal")) },
			want:   &conflict{"alias/app.db-wal", "app.db-wal", HowSymlink},
		},
		{
			name:   "output in a directory that does not exist yet, under a symlinked one",
			setup:  func(t *testing.T, d string) { symlink(t, d, filepath.Join(d, "alias")) },
			reads:  func(d string) *Files { return new(Files).File(filepath.Join(d, "new", "x")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "alias", "new", "x")) },
			want:   &conflict{"alias/new/x", "new/x", HowSymlink},
		},
		{
			name:   "input database is a link: its companions are beside the target too",
			setup:  func(t *testing.T, d string) { symlink(t, "app.db", filepath.Join(d, "link.db")) },
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "link.db")) },
			writes: func(d string) *Files { return new(Files).File(filepath.Join(d, "app.db-shm")) },
			want:   &conflict{"app.db-shm", "app.db-shm", HowCompanion},
		},
		{
			name: "output is a hard link to the input",
			setup: func(t *testing.T, d string) {
				if err := os.Link(filepath.Join(d, "app.db"), filepath.Join(d, "hard.db")); err != nil {
					t.Skipf("hard links: %v", err)
				}
			},
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")) },
			writes: func(d string) *Files { return new(Files).Meta(filepath.Join(d, "hard.db")) },
			want:   &conflict{"hard.db", "app.db", HowHardLink},
		},
		{
			name: "distinct files",
			reads: func(d string) *Files {
				return new(Files).Database(filepath.Join(d, "app.db")).Meta(filepath.Join(d, "m"))
			},
			writes: func(d string) *Files {
				return new(Files).Meta(filepath.Join(d, "app.db.meta")).Backup(filepath.Join(d, "b2"))
			},
		},
		{
			name:   "an option not given adds nothing",
			reads:  func(d string) *Files { return new(Files).Database(filepath.Join(d, "app.db")).File("") },
			writes: func(d string) *Files { return new(Files).File("").Meta(filepath.Join(d, "out")) },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := tree(t)
			if c.setup != nil {
				c.setup(t, dir)
			}
			err := Check(c.reads(dir), c.writes(dir))
			var got *conflict
			var ce *ConflictError
			if errors.As(err, &ce) {
				got = &conflict{rel(t, dir, ce.Output), rel(t, dir, ce.Input), ce.How}
			} else if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("conflict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConflictMessage(t *testing.T) {
	cases := []struct {
		reads, writes *Files
		want          string
	}{
		{
			new(Files).Database("app.db"), new(Files).Meta("app.db-wal"),
			"refusing to write app.db-wal: it is the WAL of the input database app.db (whatever --force says)",
		},
		{
			new(Files).Meta("m"), new(Files).File("m.prev"),
			"refusing to write m.prev: it is the previous generation of the input metadata backup m (whatever --force says)",
		},
		{
			new(Files).Database("x.prev"), new(Files).Meta("x"),
			"refusing to write x.prev (the previous generation of the output metadata backup x): it is the input database x.prev (whatever --force says)",
		},
		{
			new(Files).File("in.wal"), new(Files).Backup("in.wal"),
			"refusing to write in.wal: it is the input in.wal (whatever --force says)",
		},
	}
	for _, c := range cases {
		err := Check(c.reads, c.writes)
		if err == nil || err.Error() != c.want {
			t.Errorf("got  %v\nwant %s", err, c.want)
		}
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

// rel names path relative to dir, as the cases spell them.
func rel(t *testing.T, dir, path string) string {
	t.Helper()
	r, err := filepath.Rel(dir, path)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}
