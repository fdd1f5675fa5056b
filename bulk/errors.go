package bulk

import (
	"errors"
	"fmt"
)

var (
	// ErrUnsupported is a database the builder cannot write: a schema
	// format below 4, WAL mode, a header SQLite would not open.
	ErrUnsupported = errors.New("bulk: unsupported database")
	// ErrOrder is an entry that does not come after the previous one in
	// the tree's order.
	ErrOrder = errors.New("bulk: entries out of order")
	// ErrNotUnique is an entry of a unique tree whose key equals the
	// previous entry's.
	ErrNotUnique = errors.New("bulk: duplicate key in a unique tree")
	// ErrTooLarge is a record SQLite could not store, or a file that
	// would grow past the largest page number.
	ErrTooLarge = errors.New("bulk: too large")
	// ErrBadRecord is a record whose header does not parse.
	ErrBadRecord = errors.New("bulk: damaged record")
	// ErrClosed is a File or Tree used after Close, Finish or Abandon.
	ErrClosed = errors.New("bulk: closed")
)

// KeyError is an entry refused by a tree: its position in the input and
// why (ErrOrder or ErrNotUnique, for errors.Is).
type KeyError struct {
	Entry int64 // 0-based position of the entry in the tree's input
	Err   error
}

func (e *KeyError) Error() string { return fmt.Sprintf("entry %d: %v", e.Entry, e.Err) }

func (e *KeyError) Unwrap() error { return e.Err }
