package backup

import (
	"bytes"
	"fmt"
	"io"

	"github.com/dbrescue/dbrescue/pagefile"
)

// encGeometry decides the page size of an encrypted database of size
// bytes in r: the key's (page 1 must decrypt and authenticate, and say
// that page size), else the WAL header's (SQLCipher leaves it in clear),
// else enc.PageSize, else DefaultEncryptedPageSize; every hint given must
// agree, and the file must be a whole number of pages.
// from says where the page size came from (PageSizeFrom...).
func encGeometry(r io.ReaderAt, size int64, walHdr []byte, enc *Encryption) (g pagefile.Geometry, from string, err error) {
	ps, from := DefaultEncryptedPageSize, PageSizeFromDefault
	if enc.PageSize != 0 {
		ps, from = enc.PageSize, PageSizeFromParams
	}
	if len(walHdr) >= pagefile.WALHeaderSize {
		if h, err := pagefile.ReadWAL(bytes.NewReader(walHdr), int64(len(walHdr))); err == nil {
			if enc.PageSize != 0 && h.PageSize() != enc.PageSize {
				return g, from, fmt.Errorf("%w: the WAL header says %d bytes, the cipher parameters %d", ErrPageSize, h.PageSize(), enc.PageSize)
			}
			ps, from = h.PageSize(), PageSizeFromWAL
		}
	}
	if c := enc.Cipher; c != nil {
		if c.Params.PageSize != ps && from != PageSizeFromDefault {
			return g, from, fmt.Errorf("%w: the key opens it with %d-byte pages, %s says %d", ErrPageSize, c.Params.PageSize, from, ps)
		}
		ps, from = c.Params.PageSize, PageSizeFromKey
		g.Reserved = c.Params.Reserve()
	}
	if !pagefile.ValidPageSize(ps) {
		return g, from, fmt.Errorf("%w: page size %d from %s", ErrPageSize, ps, from)
	}
	if size%int64(ps) != 0 || (size == 0 && walHdr == nil) {
		return g, from, fmt.Errorf("%w: the file's %d bytes are not a whole number of %d-byte pages (page size from %s); give the key (--key-file) or --cipher / --cipher-page-size", ErrPageSize, size, ps, from)
	}
	g.PageSize = ps
	if c := enc.Cipher; c != nil && size > 0 {
		raw := make([]byte, ps)
		if _, err := r.ReadAt(raw, 0); err != nil {
			return g, from, fmt.Errorf("backup: reading page 1: %w", err)
		}
		page := make([]byte, ps)
		if err := c.DecryptPage(1, raw, page); err != nil {
			return g, from, fmt.Errorf("%w: page 1 does not decrypt with the key and %d-byte pages: %w", ErrPageSize, ps, err)
		}
		if h := pagefile.ParseHeader(page); h.PageSize != ps {
			return g, from, fmt.Errorf("%w: page 1 decrypted says %d-byte pages, the key's parameters %d", ErrPageSize, h.PageSize, ps)
		}
	}
	return g, from, nil
}

// Where the page size of an encrypted database came from
// (Result.PageSizeFrom).
const (
	PageSizeFromKey     = "the key"
	PageSizeFromWAL     = "the WAL header"
	PageSizeFromParams  = "the cipher parameters"
	PageSizeFromDefault = "the default (SQLCipher 4)"
)
