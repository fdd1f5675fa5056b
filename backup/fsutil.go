package backup

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// writeFileAtomic replaces path with data whole or not at all.
func writeFileAtomic(path string, data []byte) error {
	return fsutil.WriteAtomic(path, data, 0o644)
}

// tempInfix marks the temporary files of a backup, restore or manifest
// write (FILE.tmp-123456), so leftovers of a killed process can be found.
const tempInfix = fsutil.TempInfix

// removeTemps deletes the temporary files a killed backup of path left
// behind. Only a holder of the writer lock calls it, so none is in use.
func removeTemps(path string) {
	for _, p := range []string{path, path + ManifestSuffix} {
		stale, _ := filepath.Glob(globEscape(p) + tempInfix + "*")
		for _, s := range stale {
			_ = os.Remove(s)
		}
	}
}

// globEscape quotes the glob metacharacters of a literal path.
func globEscape(p string) string {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if c := p[i]; c == '*' || c == '?' || c == '[' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, p[i])
	}
	return string(out)
}

// exists reports whether path names anything (a dangling link included).
func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
