package backup

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/outputs"
)

// RestoreOptions control Restore.
type RestoreOptions struct {
	// Force replaces a database that already exists at the target.
	Force bool
	// Progress, when set, is called while pages are copied (PhaseWrite).
	Progress func(Progress)
}

// RestoreResult reports what Restore did.
type RestoreResult struct {
	Backup    string   `json:"backup"`
	Database  string   `json:"database"`
	PageSize  int      `json:"page_size"`
	PageCount uint32   `json:"page_count"`
	Bytes     int64    `json:"bytes"`
	Replaced  bool     `json:"replaced"`
	Removed   []string `json:"removed"` // stale -wal, -shm, -journal files removed
	Snapshot  Snapshot `json:"snapshot"`
	Elapsed   float64  `json:"elapsed_ms"`
	// For a version in a store: its ID and the bytes downloaded.
	Version         string `json:"version,omitempty"`
	BytesDownloaded int64  `json:"bytes_downloaded,omitempty"`
	// IntegritySkipped says why PRAGMA integrity_check was not run on
	// the restored database (IntegrityNeedsKey: it is SQLCipher
	// ciphertext, written back byte for byte).
	IntegritySkipped string `json:"integrity_check_skipped,omitempty"`
}

// sidecars are the files SQLite keeps beside a database. A WAL or a hot
// rollback journal left from the database being replaced would be applied
// by SQLite to the restored file (their validity does not depend on the
// database's content) and corrupt it, so they go.
var sidecars = []string{outputs.SuffixWAL, outputs.SuffixSHM, outputs.SuffixJournal}

// Restore writes the backup at backupPath as the database dbPath,
// atomically: every page is checked against the manifest while it is
// copied to a temporary file beside dbPath, the copy is synced and must
// pass PRAGMA integrity_check, the target's stale -wal, -shm and -journal
// are removed, and only then is the copy renamed into place. An existing
// dbPath is replaced only with Force. No process may have dbPath open
// meanwhile: it would keep using the file that was replaced.
func Restore(ctx context.Context, backupPath, dbPath string, opts RestoreOptions) (*RestoreResult, error) {
	start := time.Now()
	if err := outputs.Check(new(outputs.Files).Backup(backupPath), new(outputs.Files).Database(dbPath)); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	there, err := exists(dbPath)
	if err != nil {
		return nil, err
	}
	if there && !opts.Force {
		return nil, fmt.Errorf("%w: %s (pass --force to replace it)", ErrTargetExists, dbPath)
	}
	bf, err := Open(backupPath)
	if err != nil {
		return nil, err
	}
	defer bf.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), filepath.Base(dbPath)+tempInfix+"*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := keepMode(tmp, dbPath, there); err != nil {
		tmp.Close()
		return nil, err
	}
	err = copyVerified(ctx, bf, tmp, opts.Progress)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	m := bf.Manifest
	res := &RestoreResult{Backup: backupPath, Database: dbPath, PageSize: m.PageSize, PageCount: m.PageCount,
		Bytes: int64(m.PageSize) * int64(m.PageCount), Replaced: there, Removed: []string{}, Snapshot: m.Snapshot}
	if err := installRestored(ctx, tmp.Name(), dbPath, m.Snapshot.Encrypted, res); err != nil {
		return nil, err
	}
	res.Elapsed = msSince(start)
	return res, nil
}

// installRestored puts a restored copy in place: the copy (complete and synced)
// must pass PRAGMA integrity_check, the target's stale -wal, -shm and
// -journal are removed (res.Removed), and the copy is renamed over dbPath.
// An encrypted copy cannot be checked without the key (res says so): its
// page CRCs and digest are what vouch for it.
func installRestored(ctx context.Context, tmp, dbPath string, encrypted bool, res *RestoreResult) error {
	if encrypted {
		res.IntegritySkipped = IntegrityNeedsKey
	} else {
		msgs, err := integrityCheck(ctx, tmp)
		if err != nil {
			return fmt.Errorf("backup: integrity_check of the restored copy: %w", err)
		}
		if len(msgs) != 1 || msgs[0] != "ok" {
			return fmt.Errorf("backup: the restored copy fails integrity_check: %s", strings.Join(msgs, "; "))
		}
	}
	for _, sfx := range sidecars {
		err := os.Remove(dbPath + sfx)
		if err == nil {
			res.Removed = append(res.Removed, dbPath+sfx)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("backup: removing the stale %s: %w", dbPath+sfx, err)
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(dbPath))
}

// copyVerified copies every page of bf into w, failing on the first page
// whose CRC does not match the manifest, and syncs w.
func copyVerified(ctx context.Context, bf *File, w *os.File, progress func(Progress)) error {
	n := bf.Manifest.PageCount
	buf := make([]byte, bf.Manifest.PageSize)
	bw := bufio.NewWriterSize(w, 1<<20)
	for p := uint32(1); p <= n; p++ {
		if p%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := bf.ReadPage(p, buf); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		if progress != nil && (p%1024 == 0 || p == n) {
			progress(Progress{Phase: PhaseWrite, Done: int(p), Total: int(n)})
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return w.Sync()
}

// keepMode gives the restored copy the permissions of the database it
// replaces (there), or those SQLite gives a new database (0644) rather
// than a temporary file's 0600.
func keepMode(tmp *os.File, dbPath string, there bool) error {
	mode := os.FileMode(0o644)
	if there {
		st, err := os.Stat(dbPath)
		if err != nil {
			return err
		}
		mode = st.Mode().Perm()
	}
	return tmp.Chmod(mode)
}
