package remote

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is a place that holds objects: immutable byte strings under
// slash-separated keys, relative to the store's root (an S3 prefix, a
// directory).
type Store interface {
	// List returns every object whose key starts with prefix, sorted by
	// key.
	List(ctx context.Context, prefix string) ([]Object, error)
	// ReadRange returns n bytes of the object key from offset off, fewer
	// when the object ends first; never more than n. A missing object is
	// ErrNotFound.
	ReadRange(ctx context.Context, key string, off, n int64) ([]byte, error)
	// Create stores data under key if no object has that key yet, whole
	// or not at all; else it fails with ErrExists.
	Create(ctx context.Context, key string, data []byte) error
	// Delete removes the objects; keys that do not exist are not an
	// error.
	Delete(ctx context.Context, keys []string) error
	// String names the store for people (the URL it was opened with).
	String() string
}

// Object is one entry of a listing.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time // as the store's clock saw it
}

// Errors a caller can branch on with errors.Is.
var (
	// ErrExists: Create found an object under the key already.
	ErrExists = errors.New("object exists")
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrBadURL: the store URL cannot be used.
	ErrBadURL = errors.New("bad store URL")
	// ErrBadKey: a key that a store must not accept (empty, "..",
	// absolute, characters outside [A-Za-z0-9._/-]).
	ErrBadKey = errors.New("bad object key")
)

// Error is a failed operation on a store: which store, which operation
// and key, and why. Err is one of the errors above when one applies, else
// what the store or the file system said.
type Error struct {
	Store string
	Op    string // "list", "read", "create", "delete"
	Key   string
	Err   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %s: %v", e.Op, e.Store, e.Key, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// CheckKey says whether key is one a store may be asked for: relative,
// slash-separated, no empty, "." or ".." element, only [A-Za-z0-9._-]
// in each element. Keys come from manifests a server could have altered,
// so a file store must never let one reach outside its directory.
func CheckKey(key string) error {
	if key == "" || len(key) > 1024 {
		return ErrBadKey
	}
	elem := 0
	for i := 0; i <= len(key); i++ {
		if i == len(key) || key[i] == '/' {
			e := key[elem:i]
			if e == "" || e == "." || e == ".." {
				return ErrBadKey
			}
			elem = i + 1
			continue
		}
		if !keyChar(key[i]) {
			return ErrBadKey
		}
	}
	return nil
}

// keyChar reports whether c may appear in a key element.
func keyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// checkPrefix is CheckKey for a listing prefix, which may end in "/" or
// be empty.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	p := prefix
	if p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return CheckKey(p)
}
