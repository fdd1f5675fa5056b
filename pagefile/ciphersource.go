package pagefile

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// DecryptSource serves the decrypted pages of a Source of SQLCipher pages
// (the main file, with its journal rolled back and its WAL overlaid: both
// hold encrypted pages too, and their checksums are over the encrypted
// bytes). A page whose HMAC fails is still served, decrypted, so that
// salvage can use what the damage did not reach, and is recorded:
// Failures lists them. Everything above pagefile reads the decrypted view
// as it would read a plain file.
type DecryptSource struct {
	src Source
	c   *Cipher

	mu     sync.Mutex
	failed map[uint32]*CorruptError
	bufs   sync.Pool
}

// NewDecryptSource decrypts the pages src serves with c.
func NewDecryptSource(src Source, c *Cipher) (*DecryptSource, error) {
	if src.PageSize() != c.Params.PageSize {
		return nil, fmt.Errorf("pagefile: source pages are %d bytes, the cipher's are %d", src.PageSize(), c.Params.PageSize)
	}
	d := &DecryptSource{src: src, c: c, failed: map[uint32]*CorruptError{}}
	d.bufs.New = func() any { b := make([]byte, c.Params.PageSize); return &b }
	return d, nil
}

// PageSize implements Source.
func (d *DecryptSource) PageSize() int { return d.src.PageSize() }

// PageCount implements Source.
func (d *DecryptSource) PageCount() uint32 { return d.src.PageCount() }

// Cipher is the cipher the pages are decrypted with.
func (d *DecryptSource) Cipher() *Cipher { return d.c }

// ReadPage implements Source: page pgno decrypted into dst. A failed HMAC
// is recorded (see Failures), not returned: dst holds the decryption.
func (d *DecryptSource) ReadPage(pgno uint32, dst []byte) error {
	if err := checkRead(d, pgno, dst); err != nil {
		return err
	}
	bp := d.bufs.Get().(*[]byte)
	defer d.bufs.Put(bp)
	if err := d.src.ReadPage(pgno, *bp); err != nil {
		return err
	}
	err := d.c.DecryptPage(pgno, *bp, dst)
	var ce *CorruptError
	if errors.As(err, &ce) && errors.Is(ce, ErrHMAC) {
		d.mu.Lock()
		d.failed[pgno] = ce
		d.mu.Unlock()
		return nil
	}
	if err == nil {
		d.mu.Lock()
		delete(d.failed, pgno) // the same page number can be served from a newer copy
		d.mu.Unlock()
	}
	return err
}

// Failures lists the pages read so far whose HMAC did not match, by page
// number: each a *CorruptError with Err ErrHMAC.
func (d *DecryptSource) Failures() []*CorruptError {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*CorruptError, 0, len(d.failed))
	for _, e := range d.failed {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *CorruptError) int { return int(a.Pgno) - int(b.Pgno) })
	return out
}

// Failed returns the HMAC failure of page pgno, or nil when it verified,
// was not read yet, or cannot be verified.
func (d *DecryptSource) Failed(pgno uint32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.failed[pgno]; ok {
		return e
	}
	return nil
}

// Decryption returns the DecryptSource f reads through, or nil when f is
// not an encrypted database.
func Decryption(f *File) *DecryptSource {
	d, _ := f.Source.(*DecryptSource)
	return d
}

// DecryptionReport says how an encrypted file was read: the cipher's
// parameters (never the key) and the pages whose HMAC failed, damaged
// after SQLCipher wrote them and decrypted all the same. Nothing in it is
// secret.
type DecryptionReport struct {
	// Cipher names the parameters the key opened the file with.
	Cipher string `json:"cipher"`
	// Authenticated is false when pages could not be checked: no HMAC in
	// these parameters, or a raw key whose salt is lost.
	Authenticated   bool     `json:"authenticated"`
	HMACFailedPages []uint32 `json:"hmac_failed_pages,omitempty"`
}

// ReportDecryption describes how f was decrypted, nil for a plain file.
// Pages not read yet cannot have failed: call it once every page was read.
func ReportDecryption(f *File) *DecryptionReport {
	d := Decryption(f)
	if d == nil {
		return nil
	}
	c := d.Cipher()
	rep := &DecryptionReport{Cipher: c.Params.String(), Authenticated: c.Verified}
	for _, e := range d.Failures() {
		rep.HMACFailedPages = append(rep.HMACFailedPages, e.Pgno)
	}
	return rep
}

// readHeaderOf reads the database header of r, decrypting page 1 first
// when c is set (an encrypted header reads as garbage otherwise). A page
// 1 whose HMAC fails is still decrypted: its header's own checks say
// what is wrong with it.
func readHeaderOf(r io.ReaderAt, c *Cipher) (*Header, error) {
	if c == nil {
		return ReadHeader(r)
	}
	src := make([]byte, c.Params.PageSize)
	if err := readPadded(r, src, 0); err != nil {
		return nil, err
	}
	dst := make([]byte, c.Params.PageSize)
	if err := c.DecryptPage(1, src, dst); err != nil && !errors.Is(err, ErrHMAC) {
		return nil, err
	}
	return ParseHeader(dst), nil
}

// decryptCopy decrypts, in place, a copy of page 1 read from the journal
// or the WAL when f is encrypted; it reports false when the copy fails its
// HMAC and should not be taken for the header.
func (f *File) decryptCopy(page []byte) bool {
	d := Decryption(f)
	if d == nil {
		return true
	}
	src := append([]byte(nil), page...)
	return d.c.DecryptPage(1, src, page) == nil
}

// Encrypted is the source of encrypted pages d decrypts: the main file,
// its journal rolled back and its WAL overlaid, as stored.
func (d *DecryptSource) Encrypted() Source { return d.src }
