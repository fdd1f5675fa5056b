package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/pagefile"
)

// runEncrypted is the benchmark on encrypted databases (-key-file): each
// original of the matrix is built at the cipher's page size and reserve,
// then encrypted page by page with the key (a fresh salt per run), as
// SQLCipher lays it out; each case damages the encrypted file as a device
// would (corpus.CorruptEncrypted) and the same damage is done to the plain
// original, and `dbrescue repair --key-file` (with and without a metadata
// backup, taken with the key) is scored beside `dbrescue repair` on the
// plain file. WAL databases are encrypted WAL and all (corpus.EncryptDatabase).
func runEncrypted(ctx context.Context, cfg *config, cli, dir string, stdout, stderr io.Writer) error {
	keyBytes, err := os.ReadFile(cfg.keyFile)
	if err != nil {
		return err
	}
	key, err := pagefile.ParseCipherKey(keyBytes)
	clear(keyBytes)
	if err != nil {
		return err
	}
	params, ok := pagefile.CipherPreset(cfg.cipher)
	if !ok {
		return fmt.Errorf("-cipher %q: one of %v", cfg.cipher, pagefile.CipherPresetNames())
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	start := time.Now()
	ci, err := pagefile.NewCipher(key, params, salt)
	key.Zero()
	if err != nil {
		return err
	}
	defer ci.Zero()
	fmt.Fprintf(stderr, "key derivation (%s): %v\n", params.Name, time.Since(start).Round(time.Millisecond))

	var cases []corpus.Case
	for _, c := range corpus.Matrix(corpus.MatrixOptions{Seeds: cfg.seeds, Kinds: cfg.kinds, Bytes: cfg.bytes}) {
		c.Spec.PageSize, c.Spec.Reserved = params.PageSize, params.Reserve()
		cases = append(cases, c)
	}
	for _, sub := range []string{"originals", "broken", "repaired"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	keyFile := cfg.keyFile
	methods := []method{
		{name: "dbrescue repair (plain)", run: func(ctx context.Context, b corpus.Built, out string) (string, error) {
			return repair(ctx, cli, out, plainOf(b.Broken))
		}},
		{name: "dbrescue repair --key-file", run: func(ctx context.Context, b corpus.Built, out string) (string, error) {
			return repair(ctx, cli, out, b.Broken, "--key-file", keyFile, "--cipher", params.Name)
		}},
		{name: "dbrescue repair --meta (plain)", run: withMeta(cli, "", false)},
		{name: "dbrescue repair --key-file --meta", run: withMeta(cli, keyFile, true, "--cipher", params.Name)},
	}

	start = time.Now()
	plainDBs, encDBs := map[string]*corpus.DB{}, map[string]*corpus.DB{}
	var built []corpus.Built
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := c.Spec.Name()
		if plainDBs[name] == nil {
			db, err := corpus.Generate(ctx, filepath.Join(dir, "originals"), c.Spec)
			if err != nil {
				return err
			}
			enc := &corpus.DB{Path: db.Path + ".enc.db", Spec: db.Spec}
			if err := corpus.EncryptDatabase(db.Path, enc.Path, ci); err != nil {
				return err
			}
			plainDBs[name], encDBs[name] = db, enc
		}
		broken := filepath.Join(dir, "broken", c.Name+".db")
		d, err := corpus.CorruptEncrypted(ctx, encDBs[name].Path, broken, c.Corruption, ci)
		if err != nil {
			return fmt.Errorf("case %s: %w", c.Name, err)
		}
		if _, err := corpus.Corrupt(ctx, plainDBs[name].Path, plainOf(broken), c.Corruption); err != nil {
			return fmt.Errorf("case %s (plain): %w", c.Name, err)
		}
		// Scoring reads the truth from the plain original: the same rows.
		built = append(built, corpus.Built{Case: c, Original: plainDBs[name], Broken: broken, Damage: d})
	}
	fmt.Fprintf(stderr, "built, encrypted and corrupted %d cases in %v\n", len(built), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	res, err := runMethods(ctx, built, methods, dir, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ran %d methods on %d cases in %v\n", len(methods), len(built), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "Encrypted databases (%s, key from a file): the same damage done to the encrypted file and to the plain one.\n", params)
	printTable(stdout, res, methods, cfg)
	printAudit(stdout, res.audit, methods)
	return nil
}

// plainOf is where the plain twin of an encrypted case's damaged file is.
func plainOf(broken string) string { return broken + ".plain.db" }

// withMeta runs a repair with a metadata backup of the original taken
// before the damage (once per original), of the encrypted original with
// the key when encrypted is set, else of the plain one.
func withMeta(cli, keyFile string, encrypted bool, extra ...string) func(context.Context, corpus.Built, string) (string, error) {
	taken := map[string]string{}
	return func(ctx context.Context, b corpus.Built, out string) (string, error) {
		orig, broken, keyArgs := b.Original.Path, plainOf(b.Broken), []string(nil)
		if encrypted {
			orig, broken = orig+".enc.db", b.Broken
			keyArgs = append([]string{"--key-file", keyFile}, extra...)
		}
		meta, ok := taken[orig]
		if !ok {
			meta = filepath.Join(filepath.Dir(out), filepath.Base(orig)+".meta")
			args := append(append([]string{"metabackup"}, keyArgs...), "-o", meta, orig)
			if res, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
				return "", fmt.Errorf("metabackup: %v\n%s", err, res)
			}
			taken[orig] = meta
		}
		return repair(ctx, cli, out, broken, append(keyArgs, "--meta", meta)...)
	}
}
