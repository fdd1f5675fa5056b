package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/remote"
)

// RunToStore backs up the database at src as a new version in st, from
// one consistent snapshot read exactly as Run reads it (one read
// transaction in WAL mode, writers never blocked, the automatic pace):
// the pages whose CRC differs from the newest version's are packed into
// new segments and uploaded (all of them when the store has no version
// yet), then the version manifest is created, last, with a create-only
// write. A run killed at any moment leaves the store's versions as they
// were. With Keep or KeepWithin, old versions are pruned afterwards (see
// Prune). When src has not changed since the newest version, nothing is
// uploaded (ModeUnchanged).
//
// Nothing is ever written beside src, and nothing in the store is ever
// overwritten: every object is created under a new name.
func RunToStore(ctx context.Context, src string, st remote.Store, opts StoreOptions) (*StoreResult, error) {
	o := opts.withDefaults()
	res, _, err := runToStore(ctx, src, st, &o, nil)
	return res, err
}

// runToStore is RunToStore with, from Watch, the version the previous run
// made (nil: read the newest from the store). It returns the version the
// run made or found unchanged.
func runToStore(ctx context.Context, src string, st remote.Store, o *StoreOptions, known *version) (*StoreResult, *version, error) {
	start := time.Now()
	res := &StoreResult{Store: st.String()}
	res.Path = st.String()
	enc := encryptionOf(src, &o.Options)
	var s *source
	var fp master.Fingerprint
	var err error
	if enc == nil {
		if s, err = openSource(ctx, src); err != nil {
			return nil, nil, err
		}
		defer s.close()
		if fp, err = master.TakeFingerprint(src); err != nil {
			return nil, nil, fmt.Errorf("backup: %w", err)
		}
	}
	runID := newID(time.Now())
	var base *version
	var lock *runLock
	for attempt := 0; ; attempt++ {
		if base, err = chooseBase(ctx, st, o, known, res); err != nil {
			return nil, nil, err
		}
		known = nil
		if enc == nil && base != nil && !o.Force && !o.Full && unchanged(base.manifest, fp) {
			res.Mode, res.Version, res.PageSize, res.PageCount = ModeUnchanged, base.ID, base.PageSize, base.PageCount
			res.Snapshot, res.Digest, res.Elapsed = base.manifest.Snapshot, base.Digest, msSince(start)
			return res, base, nil
		}
		baseID := ""
		if base != nil {
			baseID = base.ID
		}
		if lock, err = takeLock(ctx, st, runID, baseID, o.LockRefresh); err != nil {
			return nil, nil, err
		}
		// A prune that listed the locks before this one existed may have
		// deleted the base meanwhile; once the lock is there, no prune
		// will (see Prune). So the base is looked for after the lock.
		gone, err := baseGone(ctx, st, base)
		if err != nil || !gone {
			if err != nil {
				_ = lock.release()
				return nil, nil, err
			}
			break
		}
		_ = lock.release()
		if attempt == 2 {
			return nil, nil, fmt.Errorf("backup: the newest version kept being pruned under this run")
		}
	}
	defer func() {
		if lock != nil {
			_ = lock.release() // a lock left behind goes stale
		}
	}()
	up := newUploader(ctx, st, o.Uploads, o.SegmentSize+maxFrame(1<<16), newRateLimit(o.MaxRate))
	t := &storeTarget{st: st, k: o.Key, run: runID, up: up, res: res}
	reuse := base
	if o.Full {
		reuse = nil // every page uploaded: a version that needs no older segment
	}
	t.p = newPacker(runID, o.Key, up, o.SegmentSize, reuse)
	if enc != nil {
		var baseManifest *Manifest
		if base != nil {
			baseManifest = base.manifest
		}
		err = runEncrypted(ctx, src, enc, t, baseManifest, &o.Options, &res.Result)
	} else {
		err = run(ctx, s, fp, t, &o.Options, &res.Result)
	}
	if werr := up.wait(); err == nil {
		err = werr
	}
	if err == nil && res.Mode == ModeUnchanged {
		// The snapshot's digest is the base version's: no version is
		// added (an encrypted source has no fingerprint to say so sooner).
		_ = st.Delete(context.WithoutCancel(ctx), segmentsOf(up.createdKeys()))
		res.Version, res.PageSize, res.PageCount, res.Digest = base.ID, base.PageSize, base.PageCount, base.Digest
		res.Elapsed = msSince(start)
		return res, base, nil
	}
	if err != nil || t.made == nil {
		// Nothing references what this run uploaded: take it back now
		// rather than leave it to a prune.
		_ = st.Delete(context.WithoutCancel(ctx), segmentsOf(up.createdKeys()))
		if err == nil {
			err = errors.New("backup: the run ended without a version")
		}
		return nil, nil, err
	}
	_ = lock.release() // the version is complete; a lock left behind goes stale
	lock = nil
	if r := o.retention(); r.enabled() {
		if res.Pruned, err = Prune(ctx, st, o.Key, r); err != nil {
			return nil, nil, fmt.Errorf("backup: version %s is complete; pruning failed: %w", res.Version, err)
		}
	}
	res.Elapsed = msSince(start)
	return res, t.made, nil
}

// segmentsOf keeps the segment keys of keys.
func segmentsOf(keys []string) []string {
	out := keys[:0]
	for _, k := range keys {
		if segmentRun(k) != "" {
			out = append(out, k)
		}
	}
	return out
}

// chooseBase returns the version whose pages a run reuses: known when
// given, else the newest version in the store, or nil for a first
// version. A newest version that cannot be read (damaged, or sealed with
// another key and Force given) is no base: every page is uploaded, and
// res says why. A key that does not fit it is an error unless Force.
func chooseBase(ctx context.Context, st remote.Store, o *StoreOptions, known *version, res *StoreResult) (*version, error) {
	if known != nil {
		return known, nil
	}
	objs, err := versionObjects(ctx, st)
	if err != nil || len(objs) == 0 {
		return nil, err
	}
	newest := objs[len(objs)-1]
	v, err := readVersion(ctx, st, newest, o.Key)
	switch {
	case err == nil:
		return v, nil
	case isKeyErr(err) && !o.Force:
		return nil, fmt.Errorf("backup: the newest version in %s: %w (--force starts over with a full upload)", st, storeErr(st, err))
	case errors.Is(err, remote.ErrNotFound):
		return nil, nil // pruned since it was listed
	}
	var oe *ObjectError
	if !errors.As(err, &oe) {
		return nil, err // the store failed, not the manifest
	}
	res.BaseProblem = storeErr(st, err).Error()
	return nil, nil
}

// baseGone reports whether base's manifest has disappeared from the store.
func baseGone(ctx context.Context, st remote.Store, base *version) (bool, error) {
	if base == nil {
		return false, nil
	}
	key := versionKey(base.ID)
	objs, err := st.List(ctx, key)
	if err != nil {
		return false, err
	}
	for _, o := range objs {
		if o.Key == key {
			return false, nil
		}
	}
	return true, nil
}

// storeTarget is a new version in a store: the pass over the snapshot
// feeds a packer, and commit waits for the segments and creates the
// version manifest.
type storeTarget struct {
	st   remote.Store
	k    *Key
	run  string
	up   *uploader
	p    *packer
	res  *StoreResult
	made *version
}

// plan streams the pages into the packer. The metadata capture runs
// first: it keeps a survey of every page (about 30 bytes a page on the
// 1 GB benchmark) while it runs, the pass keeps 16 bytes a page and the
// segments in flight; one after the other, a 10 GB database stays within
// what a phone-sized or server-sized budget allows (see doc.go), for
// about a second more per GB than running them side by side.
func (t *storeTarget) plan(_ pagefile.Geometry, _ string, o *Options) (plan, error) {
	return plan{viaAPI: o.BackupAPI, sink: t.p, captureFirst: true}, nil
}

// tempFile is where SQLite's backup API copies the database (rollback-
// journal mode, or BackupAPI): the system's temporary directory, never
// beside the source.
func (t *storeTarget) tempFile() (*os.File, error) { return os.CreateTemp("", "dbrescue-backup-*.db") }

func (t *storeTarget) commit(ctx context.Context, next *Manifest, _ pagefile.Source, _ string, _ *Options, res *Result) error {
	if err := t.up.wait(); err != nil {
		return err
	}
	p := t.p
	v := &version{manifest: next, segs: p.segs, locs: p.locs}
	v.ID = newID(time.Unix(0, next.Snapshot.CapturedAt))
	v.CapturedAt, v.PageSize, v.PageCount = next.Snapshot.CapturedAt, next.PageSize, next.PageCount
	v.PagesUploaded, v.SegmentsUploaded = p.pages, p.newSegs
	v.Digest, v.PageDigest = p.digest(), next.Snapshot.Digest
	if p.base != nil {
		v.Base = p.base.ID
	}
	if t.k != nil {
		v.KeyID = t.k.ID()
	}
	v.BytesUploaded = t.up.bytes.Load()
	b := encodeVersion(v, versionKey(v.ID), t.k, true)
	v.Size = int64(len(b))
	if err := t.up.limit.wait(ctx, len(b)); err != nil {
		return err
	}
	if err := createOnce(ctx, t.st, versionKey(v.ID), b); err != nil {
		return fmt.Errorf("backup: creating the version manifest: %w", err)
	}
	t.made = v
	r := t.res
	r.Version, r.Digest, r.Segments = v.ID, v.Digest, v.SegmentsUploaded
	r.Base = v.Base
	res.Mode = ModeIncremental
	if p.base == nil {
		res.Mode = ModeFull
	}
	res.PagesWritten, res.BytesWritten = int(v.PagesUploaded), v.BytesUploaded
	return nil
}
