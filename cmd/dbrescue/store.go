package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/remote"
)

// storeKeyEnv names the key file when --encrypt-key-file is not given, so that
// scripts and services need not put the path on a command line.
const storeKeyEnv = "DBRESCUE_ENCRYPT_KEY_FILE"

// keyFlag is --encrypt-key-file, for every command that reads or writes
// a store.
func keyFlag() cli.Flag {
	return &cli.StringFlag{
		Name: "encrypt-key-file", Sources: cli.EnvVars(storeKeyEnv),
		Usage: "encrypt (or decrypt) the store's objects with the AES-256 key in `FILE` (64 hex characters: openssl rand -hex 32)",
	}
}

// keyFromEnv reports whether the key file comes from DBRESCUE_ENCRYPT_KEY_FILE,
// which a command that does not use a store ignores.
func keyFromEnv() bool { return os.Getenv(storeKeyEnv) != "" }

// storeKey reads the key --encrypt-key-file names, or nil.
func storeKey(cmd *cli.Command) (*backup.Key, error) {
	path := cmd.String("encrypt-key-file")
	if path == "" {
		return nil, nil
	}
	k, err := backup.ReadKeyFile(path)
	if err != nil {
		return nil, usageErrorf(cmd.FullName(), "--encrypt-key-file: %v", err)
	}
	return k, nil
}

// openStore opens the store a URL names; a URL that cannot be used is a
// usage error.
func openStore(ctx context.Context, cmd *cli.Command, url string) (remote.Store, error) {
	st, err := remote.Open(ctx, url)
	if err != nil {
		return nil, usageErrorf(cmd.FullName(), "%v", err)
	}
	return st, nil
}

// selectorFlags are --version and --at, for the commands that read one
// version of a store.
func selectorFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "version", Usage: "use the version `ID` (or a prefix naming one version; see dbrescue backups)"},
		&cli.StringFlag{Name: "at", Usage: "use the newest version taken at or before `TIME` (RFC 3339, e.g. 2026-11-29T06:00:00Z)"},
	}
}

// storeSelector reads --version and --at.
func storeSelector(cmd *cli.Command) (backup.Selector, error) {
	sel := backup.Selector{ID: cmd.String("version")}
	if at := cmd.String("at"); at != "" {
		if sel.ID != "" {
			return sel, usageErrorf(cmd.FullName(), "--version and --at cannot be used together")
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return sel, usageErrorf(cmd.FullName(), "--at %q: want RFC 3339 time, e.g. 2026-11-29T06:00:00Z", at)
		}
		sel.At = t
	}
	return sel, nil
}

// parseBytes reads a byte count with an optional K, M or G suffix
// (powers of 1024), e.g. 512K or 10M.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	t := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B")
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, t[:len(t)-1]
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, t[:len(t)-1]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a byte count (e.g. 1048576, 512K, 10M)", s)
	}
	return n * mult, nil
}

// versionReport is a version in JSON and text.
type versionReport struct {
	ID               string `json:"id"`
	Base             string `json:"base,omitempty"`
	CapturedAt       string `json:"captured_at"` // RFC 3339, UTC
	PageSize         int    `json:"page_size"`
	PageCount        uint32 `json:"page_count"`
	Bytes            int64  `json:"bytes"` // the database's size
	PagesUploaded    uint32 `json:"pages_uploaded"`
	BytesUploaded    int64  `json:"bytes_uploaded"`
	SegmentsUploaded int    `json:"segments_uploaded"`
	Digest           string `json:"digest"` // hex SHA-256 of the whole database image
	Encrypted        bool   `json:"encrypted"`
	KeyID            string `json:"key_id,omitempty"`
	ManifestBytes    int64  `json:"manifest_bytes"`
	Problem          string `json:"problem,omitempty"`
}

func newVersionReport(v backup.Version) versionReport {
	return versionReport{
		ID: v.ID, Base: v.Base, CapturedAt: v.Time().Format(time.RFC3339Nano), PageSize: v.PageSize, PageCount: v.PageCount,
		Bytes: int64(v.PageSize) * int64(v.PageCount), PagesUploaded: v.PagesUploaded, BytesUploaded: v.BytesUploaded,
		SegmentsUploaded: v.SegmentsUploaded, Digest: hex.EncodeToString(v.Digest[:]), Encrypted: v.KeyID != "", KeyID: v.KeyID,
		ManifestBytes: v.Size,
	}
}

// humanBytes writes n as B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
