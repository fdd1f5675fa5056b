package pagefile

import (
	"bytes"
	"encoding/hex"
	"errors"
)

// CipherKey is what unlocks a SQLCipher database, as SQLCipher's PRAGMA key
// takes it: a passphrase (turned into the key by PBKDF2 over the file's
// salt), or a raw key written x'<64 hex digits>', or a raw key and salt
// written x'<96 hex digits>'. Its bytes never appear in an error message
// or a String; Zero overwrites them once the cipher is derived.
type CipherKey struct {
	passphrase []byte
	raw        []byte // 32 bytes, or nil
	salt       []byte // 16 bytes when the raw form carried one, or nil
}

// ErrEmptyKey is returned by ParseCipherKey for an empty key.
var ErrEmptyKey = errors.New("pagefile: the key is empty")

// ParseCipherKey reads a key as a key file or an environment variable
// holds it. One trailing line ending ("\n" or "\r\n") is dropped, since
// editors and echo add one; anything else, spaces included, is part of the
// passphrase, as SQLCipher would take it. b is copied; the caller should
// zero its own copy.
func ParseCipherKey(b []byte) (*CipherKey, error) {
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, ErrEmptyKey
	}
	k := &CipherKey{}
	if raw, salt, ok := parseRawKey(b); ok {
		k.raw, k.salt = raw, salt
		return k, nil
	}
	k.passphrase = bytes.Clone(b)
	return k, nil
}

// parseRawKey decodes x'<64 hex>' (a key) or x'<96 hex>' (a key and a
// salt), the forms SQLCipher takes as raw; anything else is a passphrase.
func parseRawKey(b []byte) (raw, salt []byte, ok bool) {
	if len(b) < 3 || (b[0] != 'x' && b[0] != 'X') || b[1] != '\'' || b[len(b)-1] != '\'' {
		return nil, nil, false
	}
	digits := b[2 : len(b)-1]
	if len(digits) != 2*cipherKeySize && len(digits) != 2*(cipherKeySize+cipherSaltSize) {
		return nil, nil, false
	}
	dec := make([]byte, len(digits)/2)
	if _, err := hex.Decode(dec, digits); err != nil {
		clear(dec)
		return nil, nil, false
	}
	if len(dec) == cipherKeySize {
		return dec, nil, true
	}
	return dec[:cipherKeySize], dec[cipherKeySize:], true
}

// Raw reports whether the key is a raw key (no PBKDF2 needed).
func (k *CipherKey) Raw() bool { return k.raw != nil }

// HasSalt reports whether the key carries its own salt (x'<96 hex>').
func (k *CipherKey) HasSalt() bool { return k.salt != nil }

// String never shows the key.
func (k *CipherKey) String() string {
	switch {
	case k.raw != nil && k.salt != nil:
		return "raw key with salt (hidden)"
	case k.raw != nil:
		return "raw key (hidden)"
	}
	return "passphrase (hidden)"
}

// GoString never shows the key either (%#v).
func (k *CipherKey) GoString() string { return k.String() }

// Zero overwrites the key's bytes. The key is unusable afterwards.
func (k *CipherKey) Zero() {
	clear(k.passphrase)
	clear(k.raw)
	clear(k.salt)
	k.passphrase, k.raw, k.salt = nil, nil, nil
}
