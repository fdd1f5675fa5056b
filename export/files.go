package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// sink is one output: a temporary file renamed over its path on commit,
// or the caller's stdout.
type sink struct {
	*bufio.Writer
	path string   // "" for stdout
	tmp  *os.File // nil for stdout
}

// newSink opens the output at path (Stdout: w).
func newSink(path string, w io.Writer) (*sink, error) {
	if path == Stdout {
		return &sink{Writer: bufio.NewWriterSize(w, 64<<10)}, nil
	}
	f, err := fsutil.CreateTemp(path)
	if err != nil {
		return nil, err
	}
	return &sink{Writer: bufio.NewWriterSize(f, 64<<10), path: path, tmp: f}, nil
}

// commit makes the output whole: flushed, synced, renamed into place and
// the rename made durable.
func (s *sink) commit() error {
	if err := s.Flush(); err != nil {
		s.abort()
		return err
	}
	if s.tmp == nil {
		return nil
	}
	if err := s.tmp.Sync(); err != nil {
		s.abort()
		return err
	}
	if err := s.tmp.Close(); err != nil {
		os.Remove(s.tmp.Name())
		return err
	}
	if err := os.Rename(s.tmp.Name(), s.path); err != nil {
		os.Remove(s.tmp.Name())
		return err
	}
	return fsutil.SyncDir(filepath.Dir(s.path))
}

// abort removes the temporary file; the path keeps what it had.
func (s *sink) abort() {
	if s.tmp != nil {
		s.tmp.Close()
		os.Remove(s.tmp.Name())
	}
}

// makeDir creates the output directory when it is missing (its parent
// exists: outputs.Check said so).
func makeDir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("export: %w", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return optionErrorf(ErrBadOption, "%s exists and is not a directory", dir)
	}
	return nil
}

// refuseExisting refuses output files that exist, unless force is set.
func refuseExisting(files []string, force bool) error {
	if force {
		return nil
	}
	for _, f := range files {
		if _, err := os.Lstat(f); err == nil {
			return optionErrorf(ErrOutputExists, "%s exists: give --force to replace it", f)
		}
	}
	return nil
}

// maxNameBytes bounds a file name made from a table name.
const maxNameBytes = 100

// fileNames gives each table a file name in one directory, made from its
// name: letters, digits, '-', '_' and '.' kept, anything else (a slash, a
// control character) made '_'; a name that would collide with another
// once case is ignored (file systems that ignore case) gets ~2, ~3, ...
func fileNames(names []string, ext string) []string {
	taken := map[string]bool{}
	out := make([]string, len(names))
	for i, n := range names {
		base := safeName(n)
		name := base + ext
		for k := 2; taken[strings.ToLower(name)]; k++ {
			name = fmt.Sprintf("%s~%d%s", base, k, ext)
		}
		taken[strings.ToLower(name)] = true
		out[i] = name
	}
	return out
}

func safeName(n string) string {
	var b strings.Builder
	for _, r := range n {
		if b.Len() >= maxNameBytes {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "table"
	}
	return s
}
