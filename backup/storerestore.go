package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/remote"
)

// StoreReadOptions control RestoreFromStore, VerifyStore and
// OpenStoreVersion.
type StoreReadOptions struct {
	// Selector picks the version (default: the newest).
	Selector
	// Key opens an encrypted store.
	Key *Key
	// Decrypt, for VerifyStore of a version of an encrypted (SQLCipher)
	// database, derives the cipher of the downloaded copy at path (the
	// database key, not the store's Key) so that integrity_check runs
	// through the decrypting view (Report.CheckDecrypted); nil skips it.
	Decrypt func(path string) (*pagefile.Cipher, error)
	// Force replaces a database that already exists (RestoreFromStore).
	Force bool
	// Downloads is how many ranged reads run at once (default 4).
	Downloads int
	// Progress, when set, is called as pages arrive (PhaseWrite).
	Progress func(Progress)
}

// RestoreFromStore writes a version of the store st as the database
// dbPath, atomically: it reads the version manifest, downloads only the
// frames that version uses (each checked against its page CRC, every
// segment read whole also against its own CRC) into a temporary file
// beside dbPath, checks the SHA-256 of the whole image against the
// version's digest, runs PRAGMA integrity_check, removes dbPath's stale
// -wal, -shm and -journal, and renames the file into place. Any failure
// (wrong or missing key, missing or damaged object) leaves dbPath as it
// was and nothing beside it. An existing dbPath is replaced only with
// Force.
func RestoreFromStore(ctx context.Context, st remote.Store, dbPath string, opts StoreReadOptions) (*RestoreResult, error) {
	start := time.Now()
	if err := checkNotInStore(st, dbPath); err != nil {
		return nil, err
	}
	there, err := exists(dbPath)
	if err != nil {
		return nil, err
	}
	if there && !opts.Force {
		return nil, fmt.Errorf("%w: %s (pass --force to replace it)", ErrTargetExists, dbPath)
	}
	v, err := selectVersion(ctx, st, opts.Selector, opts.Key)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), filepath.Base(dbPath)+tempInfix+"*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	n, err := fetchChecked(ctx, st, v, opts.Key, tmp, opts.Downloads, opts.Progress)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("backup: restoring version %s of %s: %w", v.ID, st, err)
	}
	res := &RestoreResult{Backup: st.String(), Database: dbPath, PageSize: v.PageSize, PageCount: v.PageCount,
		Bytes: int64(v.PageSize) * int64(v.PageCount), Replaced: there, Removed: []string{}, Snapshot: v.manifest.Snapshot,
		Version: v.ID, BytesDownloaded: n + v.Size}
	if err := installRestored(ctx, tmp.Name(), dbPath, v.manifest.Snapshot.Encrypted, res); err != nil {
		return nil, err
	}
	res.Elapsed = msSince(start)
	return res, nil
}

// checkNotInStore refuses an output inside a directory store: the store
// is what the command reads.
func checkNotInStore(st remote.Store, out string) error {
	d, ok := st.(*remote.Dir)
	if !ok {
		return nil
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	root := d.Root()
	if resolved, err := filepath.EvalSymlinks(root); err == nil {
		root = resolved
	}
	if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("backup: refusing to write %s: it is inside the store %s that the command reads (whatever --force says)", out, st)
	}
	return nil
}

// VerifyStore proves a version of the store st restorable without writing
// a database anywhere but a temporary file (in the system's temporary
// directory, removed before it returns): the manifest's checksums (or
// authentication), every frame against its page CRC, every segment read
// whole against its CRC, the whole image against the version's digest,
// and PRAGMA integrity_check. Failed checks are in the Report; the error
// is for a store that cannot be listed or a context that ended.
func VerifyStore(ctx context.Context, st remote.Store, opts StoreReadOptions) (*Report, error) {
	r := &Report{Path: st.String(), BadPages: []uint32{}, IntegrityCheck: []string{}, Problems: []string{}}
	v, err := selectVersion(ctx, st, opts.Selector, opts.Key)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.Problems = append(r.Problems, err.Error())
		return r, nil
	}
	r.Version = &v.Version
	r.PageSize, r.PageCount, r.Snapshot = v.PageSize, v.PageCount, v.manifest.Snapshot
	tmp, err := os.CreateTemp("", "dbrescue-verify-*.db")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := fetchChecked(ctx, st, v, opts.Key, tmp, opts.Downloads, opts.Progress); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.Problems = append(r.Problems, err.Error())
		return r, nil
	}
	if meta, err := manifestMeta(v.manifest); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("metadata backup: %v", err))
	} else if meta != nil {
		if h := meta.Header; h.PageSize != v.PageSize || h.PageCount != v.PageCount {
			r.Problems = append(r.Problems, fmt.Sprintf("metadata describes %d pages of %d bytes, the version %d of %d", h.PageCount, h.PageSize, v.PageCount, v.PageSize))
		}
	}
	r.checkIntegrity(ctx, tmp.Name(), v.manifest.Snapshot.Encrypted)
	if r.IntegritySkipped != "" && opts.Decrypt != nil {
		c, err := opts.Decrypt(tmp.Name())
		if err != nil {
			return nil, err
		}
		r.CheckDecrypted(ctx, tmp.Name(), c)
	}
	return r, nil
}

// StoreVersion is a version of a store opened for reading page by page,
// as File is for a backup file: what a repair needs of a backup.
type StoreVersion struct {
	Store    remote.Store
	Version  Version
	Manifest *Manifest
	// Meta is nil for a version of an encrypted database.
	Meta *master.Meta
	// Source serves the version's pages, each fetched with a ranged read
	// and checked against its CRC.
	Source pagefile.Source

	v *version
}

// OpenStoreVersion reads the manifest of the version opts selects.
func OpenStoreVersion(ctx context.Context, st remote.Store, opts StoreReadOptions) (*StoreVersion, error) {
	v, err := selectVersion(ctx, st, opts.Selector, opts.Key)
	if err != nil {
		return nil, err
	}
	meta, err := manifestMeta(v.manifest)
	if err != nil {
		return nil, fmt.Errorf("backup: metadata in version %s of %s: %w", v.ID, st, err)
	}
	sv := &StoreVersion{Store: st, Version: v.Version, Manifest: v.manifest, Meta: meta, v: v}
	sv.Source = &storePages{ctx: ctx, st: st, v: v, k: opts.Key}
	return sv, nil
}

// VerifyPage reports whether data is page pgno exactly as the version
// recorded it.
func (sv *StoreVersion) VerifyPage(pgno uint32, data []byte) bool {
	m := sv.Manifest
	return pgno >= 1 && pgno <= m.PageCount && len(data) == m.PageSize && master.PageCRC(data) == m.CRCs[pgno-1]
}

// storePages serves a version's pages with one ranged read each.
type storePages struct {
	ctx     context.Context
	st      remote.Store
	v       *version
	k       *Key
	scratch []byte
}

func (p *storePages) PageSize() int     { return p.v.PageSize }
func (p *storePages) PageCount() uint32 { return p.v.PageCount }

func (p *storePages) ReadPage(pgno uint32, dst []byte) error {
	if len(dst) != p.v.PageSize {
		return fmt.Errorf("backup: ReadPage buffer is %d bytes, page size is %d", len(dst), p.v.PageSize)
	}
	if pgno == 0 || pgno > p.v.PageCount {
		return pagefile.Corrupt(pgno, 0, pagefile.ErrOutOfRange, "page %d is outside the %d pages of version %s", pgno, p.v.PageCount, p.v.ID)
	}
	l := p.v.locs[pgno-1]
	seg := p.v.segs[l.seg]
	b, err := p.st.ReadRange(p.ctx, seg.key, int64(l.off), int64(l.n))
	if err != nil {
		return err
	}
	if len(b) != int(l.n) {
		return pagefile.Corrupt(pgno, 0, pagefile.ErrBadValue, "page %d: segment %s ends at %d", pgno, seg.key, int(l.off)+len(b))
	}
	if p.scratch, err = openFrame(seg.key, int64(l.off), b, p.k, p.v.manifest.CRCs[pgno-1], dst, p.scratch); err != nil {
		return pagefile.Corrupt(pgno, 0, pagefile.ErrBadValue, "page %d of version %s: %v", pgno, p.v.ID, storeErr(p.st, err))
	}
	return nil
}
