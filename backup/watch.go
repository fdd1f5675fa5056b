package backup

import (
	"context"
	"time"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/remote"
)

// maxWatchFailures is how many runs in a row may fail before Watch gives
// up: a store that is down for a while is waited out, a wrong key is not.
const maxWatchFailures = 5

// Watch keeps st up to date with src: it takes a version (RunToStore),
// then every interval compares src's fingerprint (size, modification
// time and header of the database file and its WAL; a stat and a few
// hundred bytes read, as an unchanged local backup is detected) with the
// one stored with the last version, and takes a new version when it
// differs. report is called after every run that was attempted.
//
// Closing stop ends Watch after the run under way, if any, has finished
// its version (or failed): it returns nil. Cancelling ctx aborts the run
// under way. A run that fails is tried again at the next interval; after
// maxWatchFailures failures in a row Watch returns the last error.
func Watch(ctx context.Context, stop <-chan struct{}, src string, st remote.Store, opts StoreOptions, interval time.Duration, report func(*StoreResult, error)) error {
	o := opts.withDefaults()
	if interval <= 0 {
		interval = 10 * time.Second
	}
	var last *version
	var lastFP *master.Fingerprint
	failures := 0
	for {
		fp, fpErr := master.TakeFingerprint(src)
		if fpErr != nil || lastFP == nil || !lastFP.Same(fp) {
			res, v, err := runToStore(ctx, src, st, &o, last)
			report(res, err)
			switch {
			case err != nil:
				failures++
				if failures >= maxWatchFailures || ctx.Err() != nil {
					return err
				}
				last, lastFP = nil, nil // read the store afresh
			default:
				failures = 0
				last, lastFP = v, versionFingerprint(v)
				if lastFP == nil && fpErr == nil && v.manifest.Snapshot.Encrypted {
					// No metadata holds a fingerprint: the one taken
					// before the run's snapshot stands for it (a commit
					// racing the run can only make the next look say
					// "changed").
					lastFP = &fp
				}
			}
		}
		t := time.NewTimer(interval)
		select {
		case <-stop:
			t.Stop()
			return nil
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		select {
		case <-stop:
			return nil
		default:
		}
	}
}

// versionFingerprint is the source fingerprint stored with a version's
// metadata backup, or nil.
func versionFingerprint(v *version) *master.Fingerprint {
	m, err := master.Decode(v.manifest.Meta)
	if err != nil {
		return nil
	}
	return &m.Fingerprint
}
