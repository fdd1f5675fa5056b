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
//
// A backup taken without the key may have assumed a larger page size
// than the cipher's (SQLCipher 4's 4096 for a SQLCipher 3 file of 1024):
// its bytes are the same, so its pages are cut into the cipher's, each
// verified by the CRC of the backup page that holds it.
func decryptBackup(bp *recover.BackupPages, c *pagefile.Cipher) error {
	enc, verify := bp.Source, bp.Verify
	if ps := c.Params.PageSize; enc.PageSize() != ps && enc.PageSize()%ps == 0 {
		r := &repaged{src: enc, ps: ps, k: enc.PageSize() / ps}
		enc, verify = r, r.verify(verify)
	}
	dec, err := pagefile.NewDecryptSource(enc, c)
	if err != nil {
		return err
	}
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

// repaged serves the pages of src, k times the size ps, as pages of ps
// bytes: page n is part (n-1) mod k of src's page (n-1)/k+1.
type repaged struct {
	src   pagefile.Source
	ps, k int
}

func (r *repaged) PageSize() int     { return r.ps }
func (r *repaged) PageCount() uint32 { return r.src.PageCount() * uint32(r.k) }

// outer reads the page of src that holds page pgno.
func (r *repaged) outer(pgno uint32) (uint32, []byte, error) {
	if pgno == 0 || pgno > r.PageCount() {
		return 0, nil, pagefile.Corrupt(pgno, 0, pagefile.ErrOutOfRange, "page %d is outside the %d pages of %d bytes", pgno, r.PageCount(), r.ps)
	}
	n := (pgno-1)/uint32(r.k) + 1
	big := make([]byte, r.src.PageSize())
	return n, big, r.src.ReadPage(n, big)
}

func (r *repaged) ReadPage(pgno uint32, dst []byte) error {
	if len(dst) != r.ps {
		return fmt.Errorf("repaged: buffer of %d bytes for a %d-byte page", len(dst), r.ps)
	}
	_, big, err := r.outer(pgno)
	if err != nil {
		return err
	}
	off := int((pgno-1)%uint32(r.k)) * r.ps
	copy(dst, big[off:off+r.ps])
	return nil
}

// verify turns a check of src's pages into one of r's: a page is good
// when the src page that holds it is.
func (r *repaged) verify(outer func(uint32, []byte) bool) func(uint32, []byte) bool {
	if outer == nil {
		return nil
	}
	return func(pgno uint32, _ []byte) bool {
		n, big, err := r.outer(pgno)
		return err == nil && outer(n, big)
	}
}
