package backup

import "time"

// StoreOptions control RunToStore and Watch. The zero value is usable.
type StoreOptions struct {
	// Options say how the source is read: pace, step size, backup API,
	// Force (back up even when the source looks unchanged; start over
	// with a full upload when the newest version uses another key), Full
	// (upload every page: a version that needs no older segment).
	Options
	// Key encrypts every segment and manifest; nil uploads them in the
	// clear (CRC-checked, not secret).
	Key *Key
	// Uploads is how many objects are uploaded at once (default 4).
	Uploads int
	// MaxRate caps the upload rate in bytes a second (0: no cap).
	MaxRate int64
	// SegmentSize is the size segments are packed to (default 4 MiB;
	// with MaxRate, at most two seconds' worth, at least 256 KiB). Memory
	// holds Uploads+1 of them.
	SegmentSize int
	// Keep and KeepWithin prune old versions after a successful run: a
	// version stays when it is one of the Keep newest, or was taken
	// within KeepWithin of now; the newest always stays. Zero for both:
	// no pruning.
	Keep       int
	KeepWithin time.Duration
	// LockRefresh is how often a run renews its lock in the store
	// (default 1 minute); LockStale is how old a lock must be for Prune
	// to take its run for dead (default 15 minutes).
	LockRefresh, LockStale time.Duration
}

const (
	defaultUploads     = 4
	defaultSegmentSize = 4 << 20
	minSegmentSize     = 256 << 10
)

func (o StoreOptions) withDefaults() StoreOptions {
	o.Options = o.Options.withDefaults()
	if o.Uploads <= 0 {
		o.Uploads = defaultUploads
	}
	if o.SegmentSize <= 0 {
		o.SegmentSize = defaultSegmentSize
		if o.MaxRate > 0 {
			o.SegmentSize = int(min(int64(defaultSegmentSize), max(int64(minSegmentSize), 2*o.MaxRate)))
		}
	}
	o.SegmentSize = min(o.SegmentSize, maxSegmentSize/2)
	if o.LockRefresh <= 0 {
		o.LockRefresh = time.Minute
	}
	if o.LockStale <= 0 {
		o.LockStale = 15 * time.Minute
	}
	return o
}

// retention is the pruning policy of o.
func (o *StoreOptions) retention() Retention {
	return Retention{Keep: o.Keep, Within: o.KeepWithin, Stale: o.LockStale}
}

// StoreResult reports what RunToStore did.
type StoreResult struct {
	// Result: Mode is ModeFull (no base version: every page uploaded),
	// ModeIncremental or ModeUnchanged; PagesWritten and BytesWritten
	// count what was uploaded (segments and the manifest).
	Result
	Store   string `json:"store"`
	Version string `json:"version,omitempty"` // the new version's ID
	Base    string `json:"base,omitempty"`    // the version it reuses pages of
	// Digest is the SHA-256 of the whole database image.
	Digest   [32]byte `json:"digest"`
	Segments int      `json:"segments_uploaded"`
	// BaseProblem says why the newest version could not serve as the
	// base (so every page was uploaded).
	BaseProblem string       `json:"base_problem,omitempty"`
	Pruned      *PruneResult `json:"pruned,omitempty"`
}
