package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Run backs up the database at src into the backup file dst (and its
// manifest dst+ManifestSuffix) from one consistent snapshot, while other
// connections and processes keep using src.
//
// When dst holds no valid backup, the snapshot is copied to a temporary
// file that then takes dst's place (ModeFull): from the database file and
// WAL in WAL mode, with SQLite's online backup API in rollback-journal
// mode or with Options.BackupAPI. When it does, only the pages whose CRC
// differs from the manifest are written into dst (ModeIncremental); the
// pages are read from the snapshot itself (WAL mode) or from a full copy
// (rollback-journal mode, or Options.Full). Either way the metadata
// backup of the same snapshot is stored in the manifest. See the package documentation for
// how consistency and crash safety are obtained.
func Run(ctx context.Context, src, dst string, opts Options) (*Result, error) {
	start := time.Now()
	o := opts.withDefaults()
	if err := outputs.Check(new(outputs.Files).Database(src), new(outputs.Files).Backup(dst)); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	enc := encryptionOf(src, &o)
	var s *source
	if enc == nil {
		var err error
		if s, err = openSource(ctx, src); err != nil {
			return nil, err
		}
		defer s.close()
	}
	lk, err := lockBackup(dst, true)
	if err != nil {
		return nil, err
	}
	defer lk.release() //nolint:errcheck // the lock file goes at best effort; the backup is what counts
	removeTemps(dst)
	res := &Result{Path: dst, Manifest: dst + ManifestSuffix}
	if res.Recovered, err = recoverJournal(dst); err != nil {
		return nil, err
	}
	old, oldBytes, err := previous(dst, o.Force)
	if err != nil {
		return nil, err
	}
	if enc != nil {
		t := &fileTarget{dst: dst, old: old, oldBytes: oldBytes}
		if err := runEncrypted(ctx, src, enc, t, old, &o, res); err != nil {
			return nil, err
		}
		res.Elapsed = msSince(start)
		return res, nil
	}
	fp, err := master.TakeFingerprint(src)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if old != nil && !o.Full && !o.Force && unchanged(old, fp) {
		res.Mode, res.PageSize, res.PageCount, res.Snapshot = ModeUnchanged, old.PageSize, old.PageCount, old.Snapshot
		res.Elapsed = msSince(start)
		return res, nil
	}
	if err := run(ctx, s, fp, &fileTarget{dst: dst, old: old, oldBytes: oldBytes}, &o, res); err != nil {
		return nil, err
	}
	res.Elapsed = msSince(start)
	return res, nil
}

// run does the work of a backup once its target is ready. In WAL mode it
// works inside one read transaction (see fromSnapshot); in
// rollback-journal mode SQLite's backup API copies the database.
func run(ctx context.Context, s *source, fp master.Fingerprint, t target, o *Options, res *Result) error {
	if !s.wal() {
		return viaAPI(ctx, s, fp, t, o, res, nil)
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	return fromSnapshot(ctx, s, fp, t, o, res)
}

// viaAPI takes a backup with SQLite's online backup API: the copy goes to
// a temporary file, the metadata is captured from the snapshot the copy
// ended on (unless snap already holds it), the read transaction ends, and
// one pass over the copy hashes it (and feeds the target's sink) before
// the target commits.
func viaAPI(ctx context.Context, s *source, fp master.Fingerprint, t target, o *Options, res *Result, snap *snapshot) error {
	tmp, err := t.tempFile()
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	res.CopiedWith = CopiedWithAPI
	if err := s.copyWithAPI(ctx, tmp.Name(), o, res); err != nil {
		return err
	}
	if snap == nil {
		if snap, err = s.capture(ctx, fp); err != nil {
			return err
		}
	}
	s.end() // the copy and the metadata are taken: writers may go on
	f, pages, err := sealCopy(tmp.Name(), snap)
	if err != nil {
		return err
	}
	defer f.Close()
	h := snap.meta.Header
	p, err := t.plan(pagefile.Geometry{PageSize: h.PageSize, Reserved: int(snap.page1[20])}, master.ReadFromFile, o)
	if err != nil {
		return err
	}
	crcs, err := scan(ctx, pages, p.sink, "", o, res, PhaseHash)
	if err != nil {
		return err
	}
	next, err := checkedManifest(s, snap, crcs, res)
	if err != nil {
		return err
	}
	return t.commit(ctx, next, pages, tmp.Name(), o, res)
}

// install puts a complete, synced copy of the snapshot (tmp) in place: as
// dst itself when there is no backup to update, else by writing into dst
// only the pages that differ from old.
func install(tmp, dst string, old *Manifest, oldBytes []byte, next *Manifest, o *Options, res *Result) error {
	if old == nil {
		res.Mode, res.PagesWritten = ModeFull, int(next.PageCount)
		res.BytesWritten = int64(next.PageCount) * int64(next.PageSize)
		return replace(tmp, dst, next, o)
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	pages, err := pagefile.NewReaderSource(f, int64(next.PageCount)*int64(next.PageSize), next.PageSize)
	if err != nil {
		return err
	}
	return updateInto(dst, oldBytes, old, pages, next, o, res)
}

// createTemp creates an empty temporary file beside dst, named so that
// removeTemps finds it if the process dies.
func createTemp(dst string) (*os.File, error) {
	return os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+tempInfix+"*")
}

// updateInto writes the changed pages of src into the backup at dst (see
// update) and records what it wrote in res.
func updateInto(dst string, oldBytes []byte, old *Manifest, src pagefile.Source, next *Manifest, o *Options, res *Result) error {
	var err error
	res.Mode = ModeIncremental
	if o.Full {
		res.Mode = ModeFull
	}
	res.PagesWritten, res.JournalBytes, err = update(dst, oldBytes, old, src, next, o)
	res.BytesWritten = int64(res.PagesWritten) * int64(next.PageSize)
	return err
}

// walHeader is the first 32 bytes of path's WAL (salts and checkpoint
// sequence change whenever the WAL is restarted), or "" if there is none.
func walHeader(path string) string {
	f, err := os.Open(path + "-wal")
	if err != nil {
		return ""
	}
	defer f.Close()
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	return string(b[:n])
}

// newManifest builds the manifest of a snapshot from its page CRCs, and
// records its geometry and identity in res.
func newManifest(s *source, snap *snapshot, crcs []uint32, res *Result) (*Manifest, error) {
	meta, err := master.Encode(snap.meta)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	src := s.path
	if len(src) > maxSourcePath {
		src = src[len(src)-maxSourcePath:]
	}
	h := snap.meta.Header
	m := &Manifest{
		PageSize:  h.PageSize,
		PageCount: uint32(len(crcs)),
		CRCs:      crcs,
		Meta:      meta,
		Snapshot: Snapshot{
			CapturedAt: snap.meta.CapturedAt, SchemaCookie: h.SchemaCookie, ChangeCounter: h.FileChangeCounter,
			Digest: digest(crcs), JournalMode: s.journalMode, Source: src,
		},
	}
	res.PageSize, res.PageCount, res.Snapshot = m.PageSize, m.PageCount, m.Snapshot
	return m, nil
}

// replace installs a new full backup: the manifest first, then the file
// renamed over dst. Only used when dst holds no valid backup, so a crash
// between the two leaves no valid backup, as before; dst is never left
// without a manifest, which marks it as a backup that may be overwritten.
func replace(tmp, dst string, next *Manifest, o *Options) error {
	if err := writeFileAtomic(dst+ManifestSuffix, EncodeManifest(next)); err != nil {
		return err
	}
	if err := o.crashPoint(stageRenamed); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(dst))
}

// previous returns the valid backup at dst to update, or nil when there is
// none (no file, or a file whose manifest is missing, damaged or does not
// match its size). A file without a manifest is not overwritten unless
// force is set: it is probably not a backup at all.
func previous(dst string, force bool) (*Manifest, []byte, error) {
	there, err := exists(dst)
	if err != nil || !there {
		return nil, nil, err
	}
	b, err := os.ReadFile(dst + ManifestSuffix)
	if errors.Is(err, os.ErrNotExist) {
		if force {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("%w: %s has no %s; remove it or pass --force", ErrNotOurs, dst, ManifestSuffix)
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := DecodeManifest(b)
	if err != nil {
		return nil, nil, nil //nolint:nilerr // a damaged manifest: take a full backup
	}
	st, err := os.Stat(dst)
	if err != nil || st.Size() != int64(m.PageSize)*int64(m.PageCount) {
		return nil, nil, nil //nolint:nilerr // does not match its manifest: take a full backup
	}
	return m, b, nil
}

// unchanged reports whether the source's fingerprint is the one stored
// with the last backup's metadata.
func unchanged(old *Manifest, fp master.Fingerprint) bool {
	m, err := master.Decode(old.Meta)
	return err == nil && m.Fingerprint.Same(fp)
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
