package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dbrescue/dbrescue/remote"
)

// Retention says which versions Prune keeps: the Keep newest, and those
// taken within Within of the store's present time; the newest version
// always. Stale is how old a run's lock must be for its run to count as
// dead (default 15 minutes).
type Retention struct {
	Keep   int
	Within time.Duration
	Stale  time.Duration
}

// enabled reports whether r asks for any pruning.
func (r Retention) enabled() bool { return r.Keep > 0 || r.Within > 0 }

// PruneResult reports what Prune did.
type PruneResult struct {
	VersionsKept    []string `json:"versions_kept"`
	VersionsDeleted []string `json:"versions_deleted"`
	SegmentsKept    int      `json:"segments_kept"`
	SegmentsDeleted int      `json:"segments_deleted"`
	BytesFreed      int64    `json:"bytes_freed"`
	// LiveRuns are backup runs under way in the store (their base
	// version and their segments were kept).
	LiveRuns []string `json:"live_runs"`
	// Skipped says why no segment was deleted, when none could be
	// safely (a lock or a manifest that could not be read).
	Skipped string `json:"skipped,omitempty"`
}

// Prune deletes the versions r does not keep, then every segment that no
// remaining version references and no backup run under way may still
// reference, and nothing else. It is safe while other runs back up to the
// same store, by this order of steps (see doc.go, "Pruning"):
//
//  1. read the store's clock and every version's segment table; choose
//     the versions to delete; keep the base of every live run
//  2. delete those version manifests
//  3. list the segments
//  4. list the live runs again, then the versions again
//  5. delete the listed segments that no version of step 4 references,
//     that are not the base's of a live run of step 4, and that no live
//     run of step 4 uploaded.
//
// A run creates its lock before it uploads anything and deletes it only
// after its manifest exists, and checks that its base still exists after
// its lock does; so a segment listed in step 3 belongs to a version of
// step 4, to a live run of step 4, or to nobody.
func Prune(ctx context.Context, st remote.Store, k *Key, r Retention) (*PruneResult, error) {
	if r.Stale <= 0 {
		r.Stale = 15 * time.Minute
	}
	res := &PruneResult{VersionsKept: []string{}, VersionsDeleted: []string{}, LiveRuns: []string{}}
	now, err := storeNow(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("backup: prune: reading the store's clock: %w", err)
	}
	objs, err := versionObjects(ctx, st)
	if err != nil {
		return nil, err
	}
	heads := map[string]*head{}
	unreadable := ""
	for _, o := range objs {
		h, err := readHead(ctx, st, o, k, true)
		if err != nil {
			if isKeyErr(err) {
				return nil, storeErr(st, err)
			}
			unreadable = fmt.Sprintf("version %s cannot be read: %v", versionID(o.Key), storeErr(st, err))
			continue
		}
		heads[h.ID] = h
	}
	live, _, err := liveLocks(ctx, st, now, r.Stale)
	if err != nil {
		return nil, err
	}
	var del []string
	for i, o := range objs {
		id := versionID(o.Key)
		if keepVersion(id, i, len(objs), now, r) || baseOfLive(id, live) {
			res.VersionsKept = append(res.VersionsKept, id)
			continue
		}
		del = append(del, o.Key)
		res.VersionsDeleted = append(res.VersionsDeleted, id)
	}
	if err := st.Delete(ctx, del); err != nil {
		return nil, err
	}

	segs, err := st.List(ctx, segmentDir)
	if err != nil {
		return nil, err
	}
	live, dead, err := liveLocks(ctx, st, now, r.Stale)
	if err != nil {
		return nil, err
	}
	objs, err = versionObjects(ctx, st)
	if err != nil {
		return nil, err
	}
	referenced := map[string]bool{}
	addRefs := func(h *head) {
		for _, s := range h.segs {
			referenced[s.key] = true
		}
	}
	for _, o := range objs {
		id := versionID(o.Key)
		h := heads[id]
		if h == nil && unreadable == "" {
			if h, err = readHead(ctx, st, o, k, true); err != nil {
				unreadable = fmt.Sprintf("version %s cannot be read: %v", id, storeErr(st, err))
				continue
			}
		}
		if h != nil {
			addRefs(h)
		}
	}
	for run, l := range live {
		res.LiveRuns = append(res.LiveRuns, run)
		switch h := heads[l.base]; {
		case !l.readable:
			unreadable = fmt.Sprintf("the lock of run %s cannot be read", run)
		case l.base == "":
		case h != nil:
			addRefs(h)
		default:
			// A base neither read in step 1 nor listed now: the run
			// will find it gone and start over; its pages are not known.
			unreadable = fmt.Sprintf("run %s is based on version %s, which was not read", run, l.base)
		}
	}
	sortStrings(res.LiveRuns)
	if unreadable != "" {
		res.Skipped = unreadable
		res.SegmentsKept = len(segs)
		return res, nil
	}
	var gone []string
	for _, s := range segs {
		if _, running := live[segmentRun(s.Key)]; referenced[s.Key] || running {
			res.SegmentsKept++
			continue
		}
		gone = append(gone, s.Key)
		res.BytesFreed += s.Size
	}
	if err := st.Delete(ctx, append(gone, dead...)); err != nil {
		return nil, err
	}
	res.SegmentsDeleted = len(gone)
	return res, nil
}

// keepVersion applies the retention rules to the i-th of n versions
// (oldest first).
func keepVersion(id string, i, n int, now time.Time, r Retention) bool {
	if i == n-1 || !r.enabled() || (r.Keep > 0 && i >= n-r.Keep) {
		return true
	}
	t, ok := idTimeOf(id)
	return !ok || (r.Within > 0 && now.Sub(t) <= r.Within)
}

func baseOfLive(id string, live map[string]liveLock) bool {
	for _, l := range live {
		if l.base == id || !l.readable {
			return true
		}
	}
	return false
}

// isKeyErr reports whether err is about the key rather than the data.
func isKeyErr(err error) bool {
	return errors.Is(err, ErrWrongKey) || errors.Is(err, ErrKeyRequired)
}
