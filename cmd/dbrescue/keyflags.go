package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// keyEnv is the environment variable that can hold the key instead of a
// key file. A key is never a flag value: flags end up in shell history,
// process listings and reports.
const keyEnv = "DBRESCUE_KEY"

// cipherFlags are the flags of every command that reads a database that
// may be encrypted with SQLCipher.
func cipherFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "key-file", Usage: "the database is encrypted (SQLCipher, WCDB): read its key from `FILE`, a passphrase or a raw key x'<64 hex digits>' (or set " + keyEnv + ")"},
		&cli.StringFlag{Name: "cipher", Value: "sqlcipher4", Usage: "the cipher parameters to try first, a preset: " + strings.Join(pagefile.CipherPresetNames(), ", ") + "; the others are tried when the key does not open the file with it"},
		&cli.IntFlag{Name: "cipher-page-size", Usage: "override the preset's page size (PRAGMA cipher_page_size)"},
		&cli.IntFlag{Name: "cipher-kdf-iter", Usage: "override the preset's PBKDF2 iterations (PRAGMA kdf_iter)"},
		&cli.StringFlag{Name: "cipher-kdf-algorithm", Usage: "override the preset's PBKDF2 hash: SHA1, SHA256 or SHA512"},
		&cli.StringFlag{Name: "cipher-hmac-algorithm", Usage: "override the preset's HMAC hash: SHA1, SHA256 or SHA512"},
		&cli.BoolFlag{Name: "cipher-no-hmac", Usage: "the pages carry no HMAC (PRAGMA cipher_use_hmac = OFF)"},
		&cli.IntFlag{Name: "cipher-plaintext-header", Usage: "bytes of page 1 left in clear (PRAGMA cipher_plaintext_header_size); the key must then carry the salt, x'<96 hex digits>'"},
		&cli.StringFlag{Name: "cipher-salt-from", Usage: "when page 1's first 16 bytes (the salt) are destroyed, take them from `FILE`: an older copy of the database (only those 16 bytes are read)"},
	}
}

// readKey returns the key the command was given (--key-file, else
// $DBRESCUE_KEY), or nil when there is none. The file's bytes are zeroed
// once parsed.
func readKey(cmd *cli.Command) (*pagefile.CipherKey, string, error) {
	var raw []byte
	from := ""
	switch path := cmd.String("key-file"); {
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("--key-file: %w", err)
		}
		raw, from = b, "--key-file"
	case os.Getenv(keyEnv) != "":
		raw, from = []byte(os.Getenv(keyEnv)), "$"+keyEnv
	default:
		return nil, "", nil
	}
	defer clear(raw)
	k, err := pagefile.ParseCipherKey(raw)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", from, err)
	}
	return k, from, nil
}

// cipherParams builds the parameters to try first from --cipher and the
// overrides. A bad value is a usage error.
func cipherParams(cmd *cli.Command) (pagefile.CipherParams, error) {
	name := cmd.String("cipher")
	p, ok := pagefile.CipherPreset(name)
	if !ok {
		return p, usageErrorf(cmd.FullName(), "unknown --cipher %q: one of %s", name, strings.Join(pagefile.CipherPresetNames(), ", "))
	}
	overridden := false
	if cmd.IsSet("cipher-page-size") {
		p.PageSize, overridden = cmd.Int("cipher-page-size"), true
	}
	if cmd.IsSet("cipher-kdf-iter") {
		p.KDFIter, overridden = cmd.Int("cipher-kdf-iter"), true
	}
	if cmd.IsSet("cipher-kdf-algorithm") {
		p.KDF, overridden = pagefile.HashAlgorithm(strings.ToUpper(cmd.String("cipher-kdf-algorithm"))), true
	}
	if cmd.IsSet("cipher-hmac-algorithm") {
		p.HMAC, overridden = pagefile.HashAlgorithm(strings.ToUpper(cmd.String("cipher-hmac-algorithm"))), true
	}
	if cmd.Bool("cipher-no-hmac") {
		p.UseHMAC, overridden = false, true
	}
	if cmd.IsSet("cipher-plaintext-header") {
		p.PlaintextHeader, overridden = cmd.Int("cipher-plaintext-header"), true
	}
	if overridden {
		p.Name += "+overrides"
	}
	if err := p.Validate(); err != nil {
		return p, usageErrorf(cmd.FullName(), "%v", err)
	}
	return p, nil
}

// inputCipher derives the cipher of the database at path when the command
// was given a key, and says on stderr what it found: nil when there is no
// key, or when the file is not encrypted after all (it starts with
// SQLite's header). saltFrom are other copies of the file (a page-level
// backup) whose first bytes give the salt when the file lost its own. The
// key is zeroed once the cipher is derived; the derivation, the costly
// step, happens once per run.
func inputCipher(cmd *cli.Command, path string, saltFrom ...string) (*pagefile.Cipher, error) {
	return inputCipherSalts(cmd, path, saltFrom, nil)
}

// inputCipherSalts is inputCipher with salts known from elsewhere too (a
// metadata backup records the salt of an encrypted database).
func inputCipherSalts(cmd *cli.Command, path string, saltFrom []string, salts [][]byte) (*pagefile.Cipher, error) {
	p, err := cipherParams(cmd)
	if err != nil {
		return nil, err
	}
	key, from, err := readKey(cmd)
	if err != nil || key == nil {
		return nil, err
	}
	defer key.Zero()
	stderr := cmd.Root().ErrWriter
	if p.PlaintextHeader == 0 {
		if head, err := fsutil.ReadPrefix(path, 16); err == nil && string(head) == pagefile.Magic {
			fmt.Fprintf(stderr, "%s is not encrypted (it starts with SQLite's header): the key from %s is not used\n", path, from)
			return nil, nil
		}
	}
	var others []io.ReaderAt
	for _, s := range append(saltFrom, cmd.String("cipher-salt-from")) {
		if s == "" {
			continue
		}
		if b, err := fsutil.ReadPrefix(s, 16); err == nil {
			others = append(others, bytes.NewReader(b))
		}
	}
	for _, s := range salts {
		others = append(others, bytes.NewReader(s))
	}
	start := time.Now()
	c, check, err := pagefile.OpenCipher(path, key, p, true, others...)
	if err != nil {
		if errors.Is(err, pagefile.ErrWrongKey) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, fmt.Errorf("%s: decrypting: %w", path, err)
	}
	fmt.Fprintf(stderr, "%s: decrypting with %s (key from %s, salt from %s; key derivation and check %.2f s, %d of %d sampled pages verified)\n",
		path, c.Params, from, saltFromWords[check.SaltFrom], time.Since(start).Seconds(), check.Verified, check.Sampled)
	if len(check.Tried) > 1 {
		fmt.Fprintf(stderr, "%s: the key does not open it with %s; it does with %s\n", path, check.Tried[0], check.Params.Name)
	}
	return c, nil
}

// saltFromWords says where the salt came from (pagefile.SaltFrom...).
var saltFromWords = map[string]string{
	pagefile.SaltFromFile:  "the file",
	pagefile.SaltFromWAL:   "the WAL's copy of page 1",
	pagefile.SaltFromKey:   "the key",
	pagefile.SaltFromOther: "another copy (--cipher-salt-from, the backup or a metadata backup)",
	pagefile.SaltUnknown:   "nowhere: pages cannot be authenticated",
}

// scoreCiphers derives the ciphers of score's two inputs when a key was
// given: the repaired file, written with --encrypt-output, has the
// original's salt, and then shares its cipher (one key derivation).
func scoreCiphers(cmd *cli.Command, original, repaired string) (*pagefile.Cipher, *pagefile.Cipher, error) {
	oc, err := inputCipher(cmd, original)
	if err != nil {
		return nil, nil, err
	}
	if oc != nil {
		if head, err := fsutil.ReadPrefix(repaired, 16); err == nil && bytes.Equal(head, oc.Salt()) {
			return oc, oc, nil
		}
	}
	rc, err := inputCipher(cmd, repaired)
	return oc, rc, err
}

// metaSalts returns the cipher salts the metadata backups at paths (and
// their previous generations) record; a backup that cannot be read gives
// none here (the repair judges it).
func metaSalts(paths []string) [][]byte {
	var out [][]byte
	for _, p := range paths {
		for _, f := range []string{p, p + master.PrevSuffix} {
			if m, err := master.ReadFile(f); err == nil && len(m.CipherSalt) == 16 {
				out = append(out, m.CipherSalt)
			}
		}
	}
	return out
}
