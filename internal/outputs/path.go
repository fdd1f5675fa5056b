package outputs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// maxLinks bounds how many symbolic links realPath follows, as the kernel
// does (ELOOP), so a loop of links ends.
const maxLinks = 40

// clean makes path absolute and lexically clean. A path that cannot be
// made absolute (no working directory) is only cleaned.
func clean(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// realPath is where path leads once every symbolic link is followed: in
// the directories above it (the longest prefix that exists is resolved,
// the rest kept as written) and in the last component, even when the link
// there points at a file that does not exist yet, because a writer that
// opens the path would create that file.
func realPath(path string) string {
	p := clean(path)
	for range maxLinks {
		dir := resolveExisting(filepath.Dir(p))
		q := filepath.Join(dir, filepath.Base(p))
		fi, err := os.Lstat(q)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return q
		}
		target, err := os.Readlink(q)
		if err != nil {
			return q
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		p = filepath.Clean(target)
	}
	return p
}

// resolveExisting resolves the symbolic links of the longest prefix of
// dir (absolute and clean) that exists, and appends the rest unchanged.
func resolveExisting(dir string) string {
	rest := ""
	for d := dir; ; {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		rest = filepath.Join(filepath.Base(d), rest)
		d = parent
	}
}

// isNotDir reports an error from a path whose directory part is a file:
// nothing can exist there, as with a missing file.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
