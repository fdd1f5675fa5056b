package pagemap

import (
	"bytes"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// WriteFile writes the map of census c to path atomically: a temporary
// file beside it, synced and renamed, so that path holds the old file or
// the whole map, never a part. The caller has checked that path is no
// file it reads (package outputs).
func WriteFile(path string, c *census.Census, opts Options) error {
	var buf bytes.Buffer
	if err := Render(&buf, c, opts); err != nil {
		return err
	}
	return fsutil.WriteAtomic(path, buf.Bytes(), 0o644)
}
