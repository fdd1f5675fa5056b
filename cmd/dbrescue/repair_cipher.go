package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/recover"
)

// encryptOutputFlag is repair's choice of an encrypted output.
func encryptOutputFlag() cli.Flag {
	return &cli.BoolFlag{Name: "encrypt-output", Usage: "encrypt the new database with the input's key and cipher parameters (default: plaintext, with a warning)"}
}

// decryptBackup makes a page-level backup of an encrypted database
// readable by the repair: its pages are the database's, encrypted with the
// same key and salt, and its manifest's CRCs are of the encrypted pages,
// so a page is verified as stored and served decrypted.
func decryptBackup(bp *recover.BackupPages, c *pagefile.Cipher) error {
	enc := bp.Source
	dec, err := pagefile.NewDecryptSource(enc, c)
	if err != nil {
		return err
	}
	verify := bp.Verify
	bp.Source = dec
	bp.Verify = func(pgno uint32, _ []byte) bool {
		raw := make([]byte, enc.PageSize())
		if enc.ReadPage(pgno, raw) != nil || !verify(pgno, raw) {
			return false
		}
		return dec.Failed(pgno) == nil
	}
	return nil
}

// printEncryption says how an encrypted input was read and whether the
// output is encrypted.
func printEncryption(p *textPrinter, r *recover.Report) {
	e := r.Encryption
	if e == nil {
		return
	}
	p.printf("  encrypted with %s", e.Cipher)
	switch {
	case !e.Authenticated:
		p.printf("; pages not authenticated")
	case len(e.HMACFailedPages) > 0:
		p.printf("; %d pages fail their HMAC: %s", len(e.HMACFailedPages), pageNumbers(e.HMACFailedPages, 10))
	default:
		p.printf("; every page read verified its HMAC")
	}
	if e.OutputEncrypted {
		p.printf("; output encrypted with the same key and parameters\n")
	} else {
		p.printf("; OUTPUT IS PLAINTEXT\n")
	}
}

// printEncryptionReport says how inspect read an encrypted database.
func printEncryptionReport(p *textPrinter, e *inspect.EncryptionReport) {
	if e == nil {
		return
	}
	p.printf("  encrypted with %s", e.Cipher)
	switch {
	case !e.Authenticated:
		p.printf("; pages not authenticated\n")
	case len(e.HMACFailedPages) > 0:
		p.printf("; %d pages fail their HMAC (damaged after SQLCipher wrote them; decrypted all the same): %s\n",
			len(e.HMACFailedPages), pageNumbers(e.HMACFailedPages, 20))
	default:
		p.printf("; every page verified its HMAC\n")
	}
}

// pageNumbers lists up to limit page numbers, then how many more.
func pageNumbers(pages []uint32, limit int) string {
	var out []string
	for i, pg := range pages {
		if i == limit {
			out = append(out, fmt.Sprintf("and %d more", len(pages)-i))
			break
		}
		out = append(out, fmt.Sprint(pg))
	}
	return strings.Join(out, ", ")
}

// encryptedBackupMeta takes the metadata backup of a page-level backup of
// an encrypted database from the backup itself, decrypted with the key:
// such a backup is taken without the key and stores none, and the repair
// needs one to place the backup's pages. The backup is one consistent
// snapshot, so its own schema and page lists are exactly its pages'. Nil
// (said on stderr) when it cannot be taken: the repair then goes on
// without the backup's pages.
func encryptedBackupMeta(ctx context.Context, cmd *cli.Command, path string, c *pagefile.Cipher) *master.Meta {
	m, err := master.Capture(ctx, path, master.Options{Cipher: c})
	if err != nil {
		fmt.Fprintf(cmd.Root().ErrWriter, "backup %s: its metadata cannot be read with the key (%v); its pages are not used\n", path, err)
		return nil
	}
	return m
}

// encryptedStoreMeta is encryptedBackupMeta for a version in a store: the
// version is downloaded, checked as restore checks it, into a temporary
// directory of its own, read, and removed.
func encryptedStoreMeta(ctx context.Context, cmd *cli.Command, sv *backup.StoreVersion, c *pagefile.Cipher) *master.Meta {
	warn := func(err error) *master.Meta {
		fmt.Fprintf(cmd.Root().ErrWriter, "backup %s: version %s cannot be read with the key (%v); its pages are not used\n", sv.Store, sv.Version.ID, err)
		return nil
	}
	k, err := storeKey(cmd)
	if err != nil {
		return warn(err)
	}
	dir, err := os.MkdirTemp("", "dbrescue-backup-meta-*")
	if err != nil {
		return warn(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "version.db")
	if _, err := backup.RestoreFromStore(ctx, sv.Store, path, backup.StoreReadOptions{Selector: backup.Selector{ID: sv.Version.ID}, Key: k}); err != nil {
		return warn(err)
	}
	return encryptedBackupMeta(ctx, cmd, path, c)
}
