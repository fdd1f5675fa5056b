package pagefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrWrongKey is returned, wrapped, when no sampled page of a file verifies
// under a key: the key is wrong, or the file was not written with the
// cipher parameters tried.
var ErrWrongKey = errors.New("wrong key or not this cipher's parameters")

// Where a cipher's salt was found.
const (
	SaltFromFile  = "file"  // the first 16 bytes of the database file
	SaltFromWAL   = "wal"   // a WAL frame's copy of page 1
	SaltFromKey   = "key"   // the key, given as x'<96 hex digits>'
	SaltFromOther = "other" // another copy of the file (saltFrom)
	SaltUnknown   = "unknown"
)

// CipherCheck is what opening an encrypted file found out about the key.
type CipherCheck struct {
	// Params are the parameters the key opened the file with.
	Params CipherParams
	// Tried lists the parameter sets tried, in order, the last the one
	// that worked (or the last that failed).
	Tried []string
	// SaltFrom says where the salt came from (SaltFrom...).
	SaltFrom string
	// Sampled, Verified, Failed and Zero count the pages checked: HMAC
	// verified, HMAC failed, all zeros (nothing to check).
	Sampled, Verified, Failed, Zero int
}

// cipherSamples bounds how many pages are checked when a key is tried.
const cipherSamples = 24

// OpenCipher derives the cipher of the database file at path (its -wal
// beside it is looked at for a copy of page 1 when the file's salt is
// destroyed, then the start of each saltFrom: another copy of the file,
// such as a page-level backup) with key, and checks it against sample
// pages. When no sampled
// page verifies under want and tryOthers is set, every other preset is
// tried before giving up with ErrWrongKey. Each try costs one key
// derivation.
func OpenCipher(path string, key *CipherKey, want CipherParams, tryOthers bool, saltFrom ...io.ReaderAt) (*Cipher, *CipherCheck, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	var wal io.ReaderAt
	var walSize int64
	if wf, err := os.Open(path + "-wal"); err == nil {
		defer wf.Close()
		if wst, err := wf.Stat(); err == nil {
			wal, walSize = wf, wst.Size()
		}
	}
	return DeriveCipher(f, st.Size(), wal, walSize, key, want, tryOthers, saltFrom...)
}

// DeriveCipher is OpenCipher over readers: the database in r (size bytes)
// and its WAL in wal (nil for none).
func DeriveCipher(r io.ReaderAt, size int64, wal io.ReaderAt, walSize int64, key *CipherKey, want CipherParams, tryOthers bool, saltFrom ...io.ReaderAt) (*Cipher, *CipherCheck, error) {
	cands := []CipherParams{want}
	if tryOthers {
		for _, p := range cipherPresets {
			if p != want && !sameCipher(p, want) {
				cands = append(cands, p)
			}
		}
	}
	check := &CipherCheck{}
	var firstErr error
	for _, p := range cands {
		check.Tried = append(check.Tried, p.Name)
		c, err := tryCipher(r, size, wal, walSize, key, p, check, saltFrom)
		if err == nil {
			check.Params = p
			return c, check, nil
		}
		if !errors.Is(err, ErrWrongKey) {
			return nil, check, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, check, fmt.Errorf("%w; tried %s", firstErr, strings.Join(check.Tried, ", "))
}

// sameCipher reports whether a and b differ in name only.
func sameCipher(a, b CipherParams) bool {
	a.Name, b.Name = "", ""
	return a == b
}

// tryCipher derives the cipher under p and checks it on sample pages,
// with each candidate salt in turn (the file's, a WAL copy of page 1's,
// another copy's): a salt damaged in place looks like a wrong key, and a
// copy proves itself by the pages it verifies. Each salt tried costs one
// key derivation.
func tryCipher(r io.ReaderAt, size int64, wal io.ReaderAt, walSize int64, key *CipherKey, p CipherParams, check *CipherCheck, saltFrom []io.ReaderAt) (*Cipher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var firstErr error
	for _, cand := range saltCandidates(r, size, wal, walSize, p, key, saltFrom) {
		check.SaltFrom = cand.from
		c, err := NewCipher(key, p, cand.salt)
		if errors.Is(err, ErrNoSalt) {
			return nil, fmt.Errorf("%w: page 1's first 16 bytes are destroyed and no WAL or other copy holds page 1; a passphrase cannot be turned into the key without them (give the raw key as x'<64 hex digits>', or with its salt as x'<96 hex digits>', or an older copy of the file, such as a page-level backup)", err)
		}
		if err != nil {
			return nil, err
		}
		if err = checkCipher(c, r, size, check); err == nil {
			return c, nil
		}
		c.Zero()
		if !errors.Is(err, ErrWrongKey) {
			return nil, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// checkCipher decrypts sample pages of the file with c and judges the key:
// ErrWrongKey when no page verifies (or, without HMACs, when the pages do
// not look like SQLite's).
func checkCipher(c *Cipher, r io.ReaderAt, size int64, check *CipherCheck) error {
	p := c.Params
	check.Sampled, check.Verified, check.Failed, check.Zero = 0, 0, 0, 0
	plausible, page1Failed := 0, false
	src := make([]byte, p.PageSize)
	dst := make([]byte, p.PageSize)
	for _, pgno := range samplePages(size, p.PageSize) {
		if err := readPadded(r, src, int64(pgno-1)*int64(p.PageSize)); err != nil {
			return err
		}
		check.Sampled++
		if AllZero(src) {
			check.Zero++
			continue
		}
		err := c.DecryptPage(pgno, src, dst)
		switch {
		case errors.Is(err, ErrHMAC):
			check.Failed++
			page1Failed = page1Failed || pgno == 1
		case err != nil:
			return err
		default:
			check.Verified++
			if plausiblePlaintext(pgno, dst, p) {
				plausible++
			}
		}
	}
	var why string
	switch {
	case check.Sampled == 0:
		why = fmt.Sprintf("the file (%d bytes) is shorter than one %d-byte page", size, p.PageSize)
	case check.Verified == 0 && check.Failed == 0:
		why = fmt.Sprintf("all %d sampled pages are zeros: nothing to check the key against", check.Sampled)
	case c.Verified && check.Verified == 0:
		why = fmt.Sprintf("no sampled page's HMAC verifies, %d of %d failed", check.Failed, check.Sampled)
		if page1Failed && check.SaltFrom == SaltFromFile {
			why += "; if the key is right, the salt (page 1's first 16 bytes) may be damaged: an older copy of the file, such as a page-level backup, gives it back"
		}
	case !c.Verified && plausible*2 < check.Verified:
		why = fmt.Sprintf("without an HMAC to check, only %d of %d decrypted pages look like SQLite pages", plausible, check.Verified)
	default:
		return nil
	}
	return fmt.Errorf("%w (%s: %s)", ErrWrongKey, p.Name, why)
}

// saltCandidate is a salt and where it was found.
type saltCandidate struct {
	salt []byte
	from string
}

// saltCandidates lists the salts to try, in order: the key's own (x'<96
// hex digits>'), alone; else the first 16 bytes of the file, those of the
// newest copy of page 1 in the WAL (frames are not checked here: the HMAC
// check proves or refutes a salt) and those of each saltFrom, zeros and
// repeats left out. With none, a single unknown salt: a raw key still
// decrypts, unverified. The parameters may keep a plaintext header: the
// salt is then not in the file at all.
func saltCandidates(r io.ReaderAt, size int64, wal io.ReaderAt, walSize int64, p CipherParams, key *CipherKey, saltFrom []io.ReaderAt) []saltCandidate {
	if key.HasSalt() {
		return []saltCandidate{{nil, SaltFromKey}}
	}
	var out []saltCandidate
	add := func(s []byte, from string) {
		if s == nil || AllZero(s) {
			return
		}
		for _, c := range out {
			if bytes.Equal(c.salt, s) {
				return
			}
		}
		out = append(out, saltCandidate{s, from})
	}
	if p.PlaintextHeader == 0 {
		if s := make([]byte, cipherSaltSize); size >= cipherSaltSize && readFull(r, s, 0) == nil {
			add(s, SaltFromFile)
		}
		add(walSalt(wal, walSize, p), SaltFromWAL)
		for _, o := range saltFrom {
			if s := make([]byte, cipherSaltSize); readFull(o, s, 0) == nil {
				add(s, SaltFromOther)
			}
		}
	}
	if len(out) == 0 {
		return []saltCandidate{{nil, SaltUnknown}}
	}
	return out
}

// walSalt returns the first 16 bytes of the newest copy of page 1 in the
// WAL, or nil.
func walSalt(wal io.ReaderAt, walSize int64, p CipherParams) []byte {
	if wal == nil {
		return nil
	}
	const walHeader, frameHeader = 32, 24
	frame := int64(frameHeader + p.PageSize)
	var found []byte
	var hdr [frameHeader + cipherSaltSize]byte
	for off := int64(walHeader); off+frame <= walSize; off += frame {
		if readFull(wal, hdr[:], off) != nil {
			break
		}
		if binary.BigEndian.Uint32(hdr[:4]) == 1 && !AllZero(hdr[frameHeader:]) {
			found = append(found[:0], hdr[frameHeader:]...)
		}
	}
	return found
}

// samplePages picks up to cipherSamples pages spread over a file of size
// bytes: page 1 and the rest evenly.
func samplePages(size int64, pageSize int) []uint32 {
	n := uint32(min(size/int64(pageSize), maxPages))
	if n == 0 {
		return nil
	}
	out := []uint32{1}
	step := max(n/cipherSamples, 1)
	for p := uint32(2); p <= n && len(out) < cipherSamples; p += step {
		out = append(out, p)
	}
	return out
}

// plausiblePlaintext judges a page decrypted without an HMAC to check it:
// page 1 must carry a header with the cipher's page size and reserve,
// other pages must start like a b-tree page or hold zeros (a freelist leaf
// or overflow page can look like anything, hence a majority vote).
func plausiblePlaintext(pgno uint32, page []byte, p CipherParams) bool {
	if pgno == 1 {
		h := ParseHeader(page)
		return h.PageSize == p.PageSize && h.ReservedBytes == p.Reserve() && h.MaxPayloadFraction == 64
	}
	switch page[0] {
	case 0x00, 0x02, 0x05, 0x0a, 0x0d:
		return true
	}
	return false
}
