package outputs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DirError is Check's refusal of an output whose directory cannot hold
// it: the directory does not exist, or is not a directory. Said before
// anything is written, it names the output the person gave, not the
// temporary file a writer would have created there.
type DirError struct {
	Output string // the output path
	Dir    string // its directory
	NotDir bool   // Dir exists but is not a directory
}

func (e *DirError) Error() string {
	if e.NotDir {
		return fmt.Sprintf("cannot write %s: %s is not a directory", e.Output, e.Dir)
	}
	return fmt.Sprintf("cannot write %s: the directory %s does not exist", e.Output, e.Dir)
}

// checkDirs returns a *DirError for the first output (not a companion)
// whose directory is missing or not a directory.
func checkDirs(writes []resolved) error {
	for _, w := range writes {
		if w.part != "" {
			continue
		}
		dir := filepath.Dir(w.path)
		st, err := os.Stat(dir)
		switch {
		case err == nil && !st.IsDir():
			return &DirError{Output: w.path, Dir: dir, NotDir: true}
		case errors.Is(err, os.ErrNotExist):
			return &DirError{Output: w.path, Dir: dir}
		case isNotDir(err):
			return &DirError{Output: w.path, Dir: dir, NotDir: true}
		case err != nil:
			return fmt.Errorf("outputs: %w", err)
		}
	}
	return nil
}
