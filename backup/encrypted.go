package backup

import (
	"errors"

	"github.com/dbrescue/dbrescue/internal/sniff"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Encryption describes a source encrypted with SQLCipher (or WCDB's
// cipher). SQLite cannot open such a file, so Run and RunToStore copy its
// ciphertext pages without SQLite (see encSource): the backup holds the
// pages exactly as the file does, its manifest's CRCs are over the
// ciphertext, and verify and restore need no key.
type Encryption struct {
	// PageSize is the cipher page size when it is known (PRAGMA
	// cipher_page_size, a preset's); 0 takes it from the WAL header or
	// DefaultEncryptedPageSize. A WAL header or Cipher that says
	// otherwise is an error.
	PageSize int
	// Cipher, when the key was given, confirms the page size: page 1 must
	// decrypt and authenticate with it, and the snapshot's schema cookie
	// and change counter are read from it. Nil: the pages are copied
	// without ever being decrypted.
	Cipher *pagefile.Cipher
}

// DefaultEncryptedPageSize is SQLCipher 4's page size (and WCDB's), used
// when neither the caller nor a WAL header says otherwise.
const DefaultEncryptedPageSize = 4096

// ErrHotJournal means the encrypted source has a hot rollback journal (a
// writer died inside a transaction and nobody has rolled it back yet).
// Copying the file would copy a torn state, and rolling the journal back
// would write beside the input, so the backup is refused; it succeeds
// once the application (SQLCipher, with the key) has opened the database.
var ErrHotJournal = errors.New("backup: the encrypted database has a hot journal (a writer died mid-transaction); open it once with SQLCipher and the key to roll it back, then retry")

// ErrPageSize means the page size of an encrypted source cannot be told,
// or the hints disagree.
var ErrPageSize = errors.New("backup: cannot tell the page size of the encrypted database")

// looksEncrypted reports whether the file at path looks like an encrypted
// database (package sniff: random bytes, a whole number of pages).
func looksEncrypted(path string) bool {
	f, err := sniff.ContentOf(path)
	return err == nil && f.Kind == sniff.Encrypted
}
