package pagefile

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"slices"
	"strings"
)

// HashAlgorithm names the hash SQLCipher uses in PBKDF2 and in the per-page
// HMAC.
type HashAlgorithm string

// The hashes SQLCipher offers (its PRAGMA cipher_kdf_algorithm and
// cipher_hmac_algorithm, without the prefixes).
const (
	SHA1   HashAlgorithm = "SHA1"
	SHA256 HashAlgorithm = "SHA256"
	SHA512 HashAlgorithm = "SHA512"
)

// newHash returns the constructor of h, or nil for an unknown name.
func (h HashAlgorithm) newHash() func() hash.Hash {
	switch h {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}

// size is the digest size of h, 0 for an unknown name.
func (h HashAlgorithm) size() int {
	if nh := h.newHash(); nh != nil {
		return nh().Size()
	}
	return 0
}

// CipherParams are the settings SQLCipher encrypts a database with. They
// are not stored in the file (except the salt): the app that wrote it chose
// them, usually by taking a major version's defaults (a preset).
type CipherParams struct {
	// Name is the preset the parameters come from, for messages; a preset
	// with an override keeps its name with a "+" appended.
	Name     string
	PageSize int
	// KDFIter is the number of PBKDF2 iterations that turn a passphrase
	// into the encryption key (PRAGMA kdf_iter).
	KDFIter int
	// KDF is the hash of PBKDF2 (PRAGMA cipher_kdf_algorithm).
	KDF HashAlgorithm
	// HMAC is the hash of the per-page HMAC (PRAGMA cipher_hmac_algorithm);
	// UseHMAC false (SQLCipher 1) means pages carry no HMAC.
	HMAC    HashAlgorithm
	UseHMAC bool
	// PlaintextHeader is the number of bytes at the start of page 1 left
	// unencrypted (PRAGMA cipher_plaintext_header_size, 0 or a multiple of
	// 16 such as 32 for iOS apps in WAL mode). When it is not 0 the salt
	// is not in the file: the key must carry it (x'<96 hex digits>').
	PlaintextHeader int
}

// Fixed SQLCipher constants: AES-256-CBC with a 16-byte IV and block, a
// 16-byte salt, and the HMAC key derived from the encryption key by 2
// PBKDF2 iterations over the salt XOR 0x3a.
const (
	cipherKeySize     = 32
	cipherIVSize      = 16
	cipherBlockSize   = 16
	cipherSaltSize    = 16
	cipherFastKDFIter = 2
	cipherSaltMask    = 0x3a
)

// Reserve is the number of bytes SQLCipher reserves at the end of every
// page: the IV, then the HMAC when used, rounded up to the AES block size.
func (p CipherParams) Reserve() int {
	r := cipherIVSize
	if p.UseHMAC {
		r += p.HMAC.size()
	}
	return (r + cipherBlockSize - 1) / cipherBlockSize * cipherBlockSize
}

// Geometry is the page size and reserve the decrypted pages are read with.
func (p CipherParams) Geometry() Geometry {
	return Geometry{PageSize: p.PageSize, Reserved: p.Reserve()}
}

// Validate reports parameters SQLCipher could not have written a file with.
func (p CipherParams) Validate() error {
	switch {
	case !ValidPageSize(p.PageSize):
		return fmt.Errorf("pagefile: cipher page size %d is not a power of two between 512 and 65536", p.PageSize)
	case p.KDFIter < 1:
		return fmt.Errorf("pagefile: cipher KDF iterations %d, must be at least 1", p.KDFIter)
	case p.KDF.newHash() == nil:
		return fmt.Errorf("pagefile: cipher KDF algorithm %q is not SHA1, SHA256 or SHA512", p.KDF)
	case p.UseHMAC && p.HMAC.newHash() == nil:
		return fmt.Errorf("pagefile: cipher HMAC algorithm %q is not SHA1, SHA256 or SHA512", p.HMAC)
	case p.PlaintextHeader < 0 || p.PlaintextHeader%cipherBlockSize != 0 || p.PlaintextHeader > HeaderSize:
		return fmt.Errorf("pagefile: cipher plaintext header size %d is not a multiple of 16 from 0 to 96", p.PlaintextHeader)
	case p.PageSize-p.Reserve() < 480 || p.Reserve() > 255:
		return fmt.Errorf("pagefile: cipher reserve of %d bytes does not fit a %d-byte page", p.Reserve(), p.PageSize)
	}
	return nil
}

// String describes the parameters in SQLCipher's terms.
func (p CipherParams) String() string {
	mac := "no HMAC"
	if p.UseHMAC {
		mac = "HMAC-" + string(p.HMAC)
	}
	s := fmt.Sprintf("%s: page size %d, PBKDF2-HMAC-%s %d iterations, %s, %d reserved bytes", p.Name, p.PageSize, p.KDF, p.KDFIter, mac, p.Reserve())
	if p.PlaintextHeader > 0 {
		s += fmt.Sprintf(", %d-byte plaintext header", p.PlaintextHeader)
	}
	return s
}

// cipherPresets are SQLCipher's published defaults for each major version
// (PRAGMA cipher_compatibility 1 to 4) and WCDB's: WCDB 1.x used SQLCipher
// 3 with a cipher page size of 4096 on every platform; WCDB 2 uses
// SQLCipher 4's defaults, page size 4096 included, so "wcdb2" is an alias.
// The order is the order presets are tried in when the key does not open
// a file with the one asked for: the commonest first.
var cipherPresets = []CipherParams{
	{Name: "sqlcipher4", PageSize: 4096, KDFIter: 256000, KDF: SHA512, HMAC: SHA512, UseHMAC: true},
	{Name: "sqlcipher3", PageSize: 1024, KDFIter: 64000, KDF: SHA1, HMAC: SHA1, UseHMAC: true},
	{Name: "wcdb1", PageSize: 4096, KDFIter: 64000, KDF: SHA1, HMAC: SHA1, UseHMAC: true},
	{Name: "sqlcipher2", PageSize: 1024, KDFIter: 4000, KDF: SHA1, HMAC: SHA1, UseHMAC: true},
	{Name: "sqlcipher1", PageSize: 1024, KDFIter: 4000, KDF: SHA1, HMAC: SHA1, UseHMAC: false},
}

// cipherAliases name presets under a second name.
var cipherAliases = map[string]string{"wcdb2": "sqlcipher4", "wcdb": "sqlcipher4"}

// CipherPreset returns the preset called name (case-insensitive).
func CipherPreset(name string) (CipherParams, bool) {
	name = strings.ToLower(name)
	if a, ok := cipherAliases[name]; ok {
		name = a
	}
	for _, p := range cipherPresets {
		if p.Name == name {
			return p, true
		}
	}
	return CipherParams{}, false
}

// CipherPresets returns every preset, in the order they are tried.
func CipherPresets() []CipherParams { return slices.Clone(cipherPresets) }

// CipherPresetNames lists the names CipherPreset accepts, aliases included.
func CipherPresetNames() []string {
	var names []string
	for _, p := range cipherPresets {
		names = append(names, p.Name)
	}
	for a := range cipherAliases {
		names = append(names, a)
	}
	slices.Sort(names)
	return names
}
