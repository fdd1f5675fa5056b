package pagefile

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// ErrHMAC is the cause (CorruptError.Err) of a page whose HMAC does not
// match its content: the page was damaged after SQLCipher wrote it, or the
// key or parameters are not the ones it was written with.
var ErrHMAC = errors.New("HMAC mismatch")

// ErrNoSalt is returned by NewCipher for a passphrase when no salt is known
// (page 1's first 16 bytes destroyed, a plaintext header): the key cannot
// be derived without it.
var ErrNoSalt = errors.New("pagefile: the cipher salt is unknown")

// Cipher decrypts and encrypts the pages of one SQLCipher database: the key
// is derived once, by NewCipher, and every page after that costs one AES
// pass and one HMAC. It is safe for concurrent use.
type Cipher struct {
	Params CipherParams
	// Verified is false when pages cannot be authenticated: parameters
	// without HMAC (SQLCipher 1), or a raw key whose salt is unknown (the
	// HMAC key is derived from the salt).
	Verified bool

	salt    []byte
	block   cipher.Block
	encKey  []byte
	hmacKey []byte
	macs    sync.Pool // of hash.Hash keyed with hmacKey
}

// NewCipher derives the page keys from key and salt (the 16 bytes at the
// start of the file; nil when they are lost) under p. This is the costly
// step (p.KDFIter PBKDF2 iterations for a passphrase); do it once per run.
func NewCipher(key *CipherKey, p CipherParams, salt []byte) (*Cipher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if key == nil || (key.raw == nil && len(key.passphrase) == 0) {
		return nil, ErrEmptyKey
	}
	if key.salt != nil {
		salt = key.salt
	}
	if salt != nil && len(salt) != cipherSaltSize {
		return nil, fmt.Errorf("pagefile: cipher salt is %d bytes, want %d", len(salt), cipherSaltSize)
	}
	c := &Cipher{Params: p, salt: append([]byte(nil), salt...)}
	if salt == nil {
		c.salt = nil
	}
	switch {
	case key.raw != nil:
		c.encKey = append([]byte(nil), key.raw...)
	case salt == nil:
		return nil, ErrNoSalt
	default:
		// crypto/pbkdf2 takes the password as a string: that copy is left
		// to the garbage collector, the one key copy Zero cannot reach.
		k, err := pbkdf2.Key(p.KDF.newHash(), string(key.passphrase), salt, p.KDFIter, cipherKeySize)
		if err != nil {
			return nil, fmt.Errorf("pagefile: deriving the cipher key: %w", err)
		}
		c.encKey = k
	}
	block, err := aes.NewCipher(c.encKey)
	if err != nil {
		return nil, err
	}
	c.block = block
	if p.UseHMAC && salt != nil {
		hsalt := make([]byte, len(salt))
		for i, b := range salt {
			hsalt[i] = b ^ cipherSaltMask
		}
		hk, err := pbkdf2.Key(p.KDF.newHash(), string(c.encKey), hsalt, cipherFastKDFIter, cipherKeySize)
		if err != nil {
			return nil, fmt.Errorf("pagefile: deriving the cipher HMAC key: %w", err)
		}
		c.hmacKey = hk
		newHash := p.HMAC.newHash()
		c.macs.New = func() any { return hmac.New(newHash, c.hmacKey) }
		c.Verified = true
	}
	return c, nil
}

// Salt returns the salt the keys were derived with, nil when unknown.
func (c *Cipher) Salt() []byte { return append([]byte(nil), c.salt...) }

// Zero overwrites the derived keys. The cipher is unusable afterwards
// (the AES key schedule inside crypto/aes cannot be reached and is left to
// the garbage collector).
func (c *Cipher) Zero() {
	clear(c.encKey)
	clear(c.hmacKey)
	c.block = nil
}

// layout returns where, in page pgno, the encrypted bytes start (after
// the salt or plaintext header on page 1) and end (the reserve).
func (c *Cipher) layout(pgno uint32) (start, end int) {
	if pgno == 1 {
		start = cipherSaltSize
		if c.Params.PlaintextHeader > 0 {
			start = c.Params.PlaintextHeader
		}
	}
	return start, c.Params.PageSize - c.Params.Reserve()
}

// pageMAC computes the HMAC SQLCipher stores after the IV: over the
// encrypted bytes and the IV, then the page number as 4 little-endian
// bytes (SQLCipher's default since 2.0.7).
func (c *Cipher) pageMAC(pgno uint32, covered []byte, out []byte) []byte {
	m := c.macs.Get().(hash.Hash)
	defer c.macs.Put(m)
	m.Reset()
	m.Write(covered)
	var le [4]byte
	binary.LittleEndian.PutUint32(le[:], pgno)
	m.Write(le[:])
	return m.Sum(out[:0])
}

// DecryptPage decrypts page pgno from src into dst (both PageSize bytes,
// not overlapping). Page 1 gets SQLite's magic string in place of the salt
// (or keeps its plaintext header); the reserve is zeroed, so that a page's
// decrypted image, and its CRC, depend on its content alone. A page of
// zeros decrypts to zeros: SQLCipher never writes one, and a zeroed page
// should look zeroed. When the HMAC does not match, dst still holds the
// decryption (blocks the damage did not reach are intact: salvage can use
// them) and the error is a *CorruptError with Err ErrHMAC.
func (c *Cipher) DecryptPage(pgno uint32, src, dst []byte) error {
	if err := c.checkBuffers(pgno, src, dst); err != nil {
		return err
	}
	if AllZero(src) {
		clear(dst)
		return nil
	}
	start, end := c.layout(pgno)
	var authErr error
	if c.Verified {
		hs := c.Params.HMAC.size()
		var buf [64]byte
		mac := c.pageMAC(pgno, src[start:end+cipherIVSize], buf[:hs])
		if subtle.ConstantTimeCompare(mac, src[end+cipherIVSize:end+cipherIVSize+hs]) != 1 {
			authErr = Corrupt(pgno, int64(end+cipherIVSize), ErrHMAC,
				"the page's HMAC does not match its content: the page is damaged, or the key or cipher parameters are not the file's")
		}
	}
	iv := src[end : end+cipherIVSize]
	cipher.NewCBCDecrypter(c.block, iv).CryptBlocks(dst[start:end], src[start:end])
	// A block of zeros as stored was zeroed after SQLCipher wrote it (a
	// page cut short, a torn sector): SQLCipher never writes one (chance
	// 2^-128). It reads as zeros, as the same damage reads in a plain
	// file, not as the noise its decryption would be; so does the block
	// after it, which CBC decrypts with it (the first block with the IV,
	// at the end of the page: a page cut short loses it).
	prev := iv
	for b := start; b < end; b += cipherBlockSize {
		cur := src[b : b+cipherBlockSize]
		if AllZero(cur) || AllZero(prev) {
			clear(dst[b : b+cipherBlockSize])
		}
		prev = cur
	}
	clear(dst[end:])
	if pgno == 1 {
		if c.Params.PlaintextHeader > 0 {
			copy(dst[:start], src[:start])
		} else {
			copy(dst[:start], Magic)
		}
	}
	return authErr
}

// EncryptPage encrypts the decrypted page pgno from src into dst (both
// PageSize bytes) as SQLCipher writes it: a random IV and random fill in
// the reserve, AES-256-CBC, the HMAC after the IV, and on page 1 the salt
// in place of the magic string (or the plaintext header kept).
func (c *Cipher) EncryptPage(pgno uint32, src, dst []byte) error {
	if err := c.checkBuffers(pgno, src, dst); err != nil {
		return err
	}
	if !c.Verified && c.Params.UseHMAC {
		return fmt.Errorf("pagefile: cannot encrypt with an unknown salt: the HMAC key depends on it")
	}
	if pgno == 1 && c.Params.PlaintextHeader == 0 && c.salt == nil {
		return fmt.Errorf("pagefile: cannot encrypt page 1 with an unknown salt")
	}
	start, end := c.layout(pgno)
	if _, err := rand.Read(dst[end:]); err != nil {
		return err
	}
	iv := dst[end : end+cipherIVSize]
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(dst[start:end], src[start:end])
	if pgno == 1 {
		if c.Params.PlaintextHeader > 0 {
			copy(dst[:start], src[:start])
		} else {
			copy(dst[:start], c.salt)
		}
	}
	if c.Params.UseHMAC {
		hs := c.Params.HMAC.size()
		c.pageMAC(pgno, dst[start:end+cipherIVSize], dst[end+cipherIVSize:end+cipherIVSize+hs])
	}
	return nil
}

func (c *Cipher) checkBuffers(pgno uint32, src, dst []byte) error {
	if c.block == nil {
		return errors.New("pagefile: cipher used after Zero")
	}
	if len(src) != c.Params.PageSize || len(dst) != c.Params.PageSize {
		return fmt.Errorf("pagefile: cipher page buffers are %d and %d bytes, page size is %d", len(src), len(dst), c.Params.PageSize)
	}
	if pgno == 0 {
		return Corrupt(0, 0, ErrOutOfRange, "page 0 does not exist")
	}
	return nil
}
