package corpus

import (
	"errors"
	"os"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// writeFileAtomic writes data to path whole or not at all.
func writeFileAtomic(path string, data []byte) error {
	return fsutil.WriteAtomic(path, data, 0o644)
}

// removeIfExists removes path, ignoring its absence.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
