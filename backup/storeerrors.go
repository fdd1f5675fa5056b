package backup

import (
	"errors"
	"fmt"
)

// Errors of backups kept in a store (package remote), for errors.Is.
var (
	// ErrBadKey: a key file that does not hold 64 hexadecimal characters.
	ErrBadKey = errors.New("backup: bad encryption key")
	// ErrKeyRequired: the store's objects are encrypted and no key was
	// given.
	ErrKeyRequired = errors.New("backup: encrypted: a key is required")
	// ErrWrongKey: the objects are encrypted with another key, or not
	// encrypted while a key was given.
	ErrWrongKey = errors.New("backup: wrong encryption key")
	// ErrNoVersion: the store holds no version, or none that matches
	// what was asked for.
	ErrNoVersion = errors.New("backup: no such backup version")
	// ErrMissingObject: a segment a version needs is not in the store.
	ErrMissingObject = errors.New("backup: object missing from the store")
	// ErrDigest: the pages put together do not have the digest the
	// version recorded.
	ErrDigest = errors.New("backup: restored database does not match the version's digest")
)

// ObjectError describes an object of a store that cannot be used: a
// version manifest or a segment, where in it (byte offset) and why. Err
// is one of pagefile.ErrChecksum, pagefile.ErrTruncated, pagefile.ErrBadValue, master.ErrVersion,
// ErrNotBackup, ErrWrongKey, ErrKeyRequired.
type ObjectError struct {
	Store  string
	Key    string
	Offset int64
	Reason string
	Err    error
}

func (e *ObjectError) Error() string {
	return fmt.Sprintf("%s%s: offset %d: %s", e.Store, e.Key, e.Offset, e.Reason)
}

// Unwrap returns the cause.
func (e *ObjectError) Unwrap() error { return e.Err }

func objectErr(key string, off int64, cause error, reason string, args ...any) *ObjectError {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	return &ObjectError{Key: key, Offset: off, Reason: reason, Err: cause}
}
