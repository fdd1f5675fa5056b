package backup

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/remote"
)

func keys(t *testing.T, st remote.Store, prefix string) []string {
	t.Helper()
	objs, err := st.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

// TestPruneKeepsWhatVersionsNeed: pruning to the two newest versions
// deletes the older manifests and exactly the segments no remaining
// version references (a remaining version still reuses frames of the
// first run's segments), and every remaining version still restores.
func TestPruneKeepsWhatVersionsNeed(t *testing.T) {
	for name, open := range testStores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			src, db := newDB(t, t.TempDir(), true, 1500)
			var ids []string
			var pages [][][]byte
			for i := range 5 {
				if i > 0 {
					if _, err := db.Exec(fmt.Sprintf(`UPDATE msg SET body = 'v%d' WHERE id %% 50 = 0`, i)); err != nil {
						t.Fatal(err)
					}
				}
				r := mustRunToStore(t, src, st, StoreOptions{SegmentSize: 256 << 10})
				ids = append(ids, r.Version)
				pages = append(pages, snapshotPages(t, src))
			}
			segsBefore := keys(t, st, segmentDir)
			res, err := Prune(context.Background(), st, nil, Retention{Keep: 2})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ids[3:], res.VersionsKept); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(ids[:3], res.VersionsDeleted); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			// What should remain: the segments the two versions name.
			want := map[string]bool{}
			for _, id := range ids[3:] {
				v, err := selectVersion(context.Background(), st, Selector{ID: id}, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range v.segs {
					want[s.key] = true
				}
			}
			var wantKeys []string
			for k := range want {
				wantKeys = append(wantKeys, k)
			}
			sort.Strings(wantKeys)
			if diff := cmp.Diff(wantKeys, keys(t, st, segmentDir)); diff != "" {
				t.Errorf("segments left (-want +got):\n%s", diff)
			}
			if res.SegmentsDeleted != len(segsBefore)-len(wantKeys) || res.SegmentsDeleted == 0 {
				t.Errorf("%d segments deleted, %d before, %d needed", res.SegmentsDeleted, len(segsBefore), len(wantKeys))
			}
			if got := keys(t, st, lockDir); len(got) != 0 {
				t.Errorf("locks left: %v", got)
			}
			for i, id := range ids[3:] {
				samePages(t, mustRestoreFromStore(t, st, StoreReadOptions{Selector: Selector{ID: id}}), pages[3+i])
			}
		})
	}
}

// TestPruneSparesLiveRuns: a run under way (its lock is fresh) keeps its
// base version and its segments, however old; once its lock is stale,
// both go.
func TestPruneSparesLiveRuns(t *testing.T) {
	st, err := remote.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, db := newDB(t, t.TempDir(), true, 500)
	r1 := mustRunToStore(t, src, st, StoreOptions{})
	if _, err := db.Exec(`DELETE FROM msg WHERE id > 100; VACUUM`); err != nil {
		t.Fatal(err)
	}
	mustRunToStore(t, src, st, StoreOptions{})
	// A run based on the first version, which has uploaded a segment.
	run := newID(time.Now())
	lock, err := takeLock(ctx, st, run, r1.Version, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	seg := segmentKey(run, 0)
	if err := st.Create(ctx, seg, []byte("a segment under way")); err != nil {
		t.Fatal(err)
	}
	res, err := Prune(ctx, st, nil, Retention{Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{run}, res.LiveRuns); diff != "" {
		t.Errorf("live runs (-want +got):\n%s", diff)
	}
	if len(res.VersionsDeleted) != 0 {
		t.Errorf("deleted %v, the base of a live run", res.VersionsDeleted)
	}
	mustRestoreFromStore(t, st, StoreReadOptions{Selector: Selector{ID: r1.Version}})
	if got := keys(t, st, seg); len(got) != 1 {
		t.Errorf("the live run's segment was deleted")
	}
	// The run dies: its lock stays, and goes stale.
	lock.stop <- struct{}{}
	time.Sleep(1100 * time.Millisecond)
	res, err = Prune(ctx, st, nil, Retention{Keep: 1, Stale: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.VersionsDeleted) != 1 || len(res.LiveRuns) != 0 || len(keys(t, st, seg)) != 0 || len(keys(t, st, lockDir)) != 0 {
		t.Errorf("after the run died: %+v; its segment %v, locks %v", res, keys(t, st, seg), keys(t, st, lockDir))
	}
}

// TestPruneDuringBackups: two backup runs at a time (so a run's base is
// often no longer the newest version) while another goroutine prunes to
// the newest version over and over. Every version a run makes must
// verify right after it is made unless a prune removed it whole; never
// may a segment it needs be gone while its manifest is there. Afterwards
// every version left verifies.
func TestPruneDuringBackups(t *testing.T) {
	for name, open := range testStores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			src, db := newDB(t, t.TempDir(), true, 1500)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var prunes, deleted, livebase int
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					res, err := Prune(ctx, st, nil, Retention{Keep: 1})
					if err != nil {
						t.Errorf("prune: %v", err)
						return
					}
					prunes++
					deleted += res.SegmentsDeleted
					if len(res.VersionsKept) > 1 {
						livebase++ // an older version kept for a live run
					}
				}
			}()
			var backups sync.WaitGroup
			var mu sync.Mutex
			made, gone := 0, 0
			for w := range 2 {
				backups.Add(1)
				go func() {
					defer backups.Done()
					for i := range 8 {
						if _, err := db.Exec(fmt.Sprintf(`UPDATE msg SET body = 'w%d round %d' WHERE id %% 7 = %d`, w, i, i%7)); err != nil {
							t.Error(err)
							return
						}
						r, err := RunToStore(ctx, src, st, StoreOptions{SegmentSize: 128 << 10})
						if err != nil {
							t.Errorf("backup: %v", err)
							return
						}
						rep, err := VerifyStore(ctx, st, StoreReadOptions{Selector: Selector{ID: r.Version}})
						// A version pruned whole (a newer one exists) may
						// vanish before or while it is read: a reader does
						// not hold a lock. Only a version still there with a
						// segment gone is a fault.
						stillThere := len(keys(t, st, versionKey(r.Version))) == 1
						mu.Lock()
						made++
						switch {
						case err != nil:
							t.Errorf("verify %s: %v", r.Version, err)
						case !rep.OK && !stillThere:
							gone++
						case !rep.OK:
							t.Errorf("version %s, just made and still in the store, does not verify: %v", r.Version, rep.Problems)
						}
						mu.Unlock()
					}
				}()
			}
			backups.Wait()
			close(stop)
			wg.Wait()
			for _, l := range mustList(t, st) {
				rep, err := VerifyStore(ctx, st, StoreReadOptions{Selector: Selector{ID: l.ID}})
				if err != nil || !rep.OK {
					t.Errorf("version %s: %v %v", l.ID, err, rep.Problems)
				}
			}
			t.Logf("%d versions made (%d pruned before they were verified); %d prunes deleted %d segments, %d of them kept an older version for a live run",
				made, gone, prunes, deleted, livebase)
			if deleted == 0 {
				t.Errorf("no prune deleted anything: the test proved nothing")
			}
		})
	}
}

func mustList(t *testing.T, st remote.Store) []Listed {
	t.Helper()
	l, err := ListVersions(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
