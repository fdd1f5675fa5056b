package master

import (
	"bytes"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// TakeFingerprint reads the cheap identity of the database at dbPath and of
// its WAL: sizes, modification times and headers, no page content. An empty
// or missing WAL counts as no WAL, so that a connection creating an empty
// one does not look like a change.
func TakeFingerprint(dbPath string) (Fingerprint, error) {
	var fp Fingerprint
	var err error
	if fp.DBSize, fp.DBModNano, err = statFile(dbPath); err != nil {
		return fp, err
	}
	if fp.DBHeader, err = fsutil.ReadPrefix(dbPath, 100); err != nil {
		return fp, err
	}
	walPath := dbPath + "-wal"
	if fp.WALSize, fp.WALModNano, err = statFile(walPath); err != nil {
		return fp, err
	}
	if fp.WALSize == 0 {
		fp.WALModNano = 0
		return fp, nil
	}
	fp.WALHeader, err = fsutil.ReadPrefix(walPath, 32)
	return fp, err
}

// Same reports whether two fingerprints identify the same database state.
func (f Fingerprint) Same(g Fingerprint) bool {
	return f.DBSize == g.DBSize && f.DBModNano == g.DBModNano && bytes.Equal(f.DBHeader, g.DBHeader) &&
		f.WALSize == g.WALSize && f.WALModNano == g.WALModNano && bytes.Equal(f.WALHeader, g.WALHeader)
}

// Unchanged reports whether the database at dbPath is, as far as its
// fingerprint tells, in the state the metadata backup at metaPath was
// captured from, and that backup holds what opts asks for (a schema-only
// backup does not satisfy a request for page lists, nor does a version-1
// backup, which lacks the counts and overflow CRCs). It reads only the
// backup's fingerprint section and the first bytes of the database and
// WAL, so it costs well under a millisecond. A missing or unreadable
// backup is "changed".
func Unchanged(dbPath, metaPath string, opts Options) (bool, error) {
	stored, flags, err := readFingerprint(metaPath)
	if err != nil || (!opts.SchemaOnly && flags&(flagSchemaOnly|flagCounts) != flagCounts) {
		return false, nil //nolint:nilerr // no usable backup: capture afresh
	}
	now, err := TakeFingerprint(dbPath)
	if err != nil {
		return false, err
	}
	return stored.Same(now), nil
}
