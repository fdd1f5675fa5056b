package backup

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/dbrescue/dbrescue/pagefile"
)

// Key encrypts what a backup puts in a store, client side, with
// AES-256-GCM, so that the store never sees a page, a CRC or a schema in
// the clear. Every frame (one page of a segment) and every section of a
// version manifest is sealed on its own, with a random 96-bit nonce and
// associated data that names the object and the place in it, so a sealed
// piece moved to another object or offset does not open. Random nonces
// are safe for far more messages than a backup store will ever hold
// under one key (the limit is 2^32).
//
// The key's ID (the first 8 bytes of a SHA-256 over a label and the key)
// is stored in the clear beside what it sealed, so that a wrong key is
// told apart from damaged data before anything is decrypted.
type Key struct {
	aead cipher.AEAD
	id   [8]byte
}

// keyLen is AES-256's key length: 32 bytes, 64 hex characters.
const keyLen = 32

// Sizes added by sealing: the nonce before, the GCM tag after.
const (
	nonceLen     = 12
	sealOverhead = nonceLen + 16
)

// ParseKey reads a key written as 64 hexadecimal characters (what
// `openssl rand -hex 32` prints); white space around it is ignored.
func ParseKey(text []byte) (*Key, error) {
	text = bytes.TrimSpace(text)
	if len(text) != 2*keyLen {
		return nil, fmt.Errorf("%w: want %d hexadecimal characters (openssl rand -hex 32), got %d characters", ErrBadKey, 2*keyLen, len(text))
	}
	raw := make([]byte, keyLen)
	if _, err := hex.Decode(raw, text); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	k := &Key{aead: aead}
	sum := sha256.Sum256(append([]byte("dbrescue backup key id v1\x00"), raw...))
	copy(k.id[:], sum[:])
	return k, nil
}

// ReadKeyFile reads a key file (see ParseKey).
func ReadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	k, err := ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// ID names the key without revealing it.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// keyID is the ID stored beside sealed data: zeros for none.
func keyID(k *Key) [8]byte {
	if k == nil {
		return [8]byte{}
	}
	return k.id
}

// seal appends nonce || ciphertext || tag of plain to dst.
func (k *Key) seal(dst, plain, aad []byte) []byte {
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	dst = append(dst, nonce[:]...)
	return k.aead.Seal(dst, nonce[:], plain, aad)
}

// sealTail seals, in place, the plaintext that follows nonceLen bytes
// reserved at out[start:], and appends the tag: out must have room for
// it (sealOverhead-nonceLen bytes of capacity), so that a large section
// is not copied.
func (k *Key) sealTail(out []byte, start int, aad []byte) []byte {
	nonce := out[start : start+nonceLen]
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	plain := out[start+nonceLen:]
	sealed := k.aead.Seal(plain[:0], nonce, plain, aad)
	return out[:start+nonceLen+len(sealed)]
}

// open appends the plaintext of sealed (as seal made it) to dst; data
// that was altered, or sealed with another key or other associated data,
// fails.
func (k *Key) open(dst, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < sealOverhead {
		return nil, fmt.Errorf("%w: %d bytes cannot hold a sealed message", pagefile.ErrTruncated, len(sealed))
	}
	out, err := k.aead.Open(dst, sealed[:nonceLen], sealed[nonceLen:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: AES-GCM authentication failed", pagefile.ErrChecksum)
	}
	return out, nil
}

// checkKey compares the key ID stored with sealed data (zero: not
// encrypted) with the key the caller has.
func checkKey(stored [8]byte, k *Key) error {
	switch {
	case stored == [8]byte{} && k == nil:
		return nil
	case stored == [8]byte{}:
		return fmt.Errorf("%w: it is not encrypted, and a key was given", ErrWrongKey)
	case k == nil:
		return fmt.Errorf("%w: it is encrypted with key %x; give the key file (--encrypt-key-file)", ErrKeyRequired, stored)
	case stored != k.id:
		return fmt.Errorf("%w: it is encrypted with key %x, the key given is %s", ErrWrongKey, stored, k.ID())
	}
	return nil
}
