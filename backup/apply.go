package backup

import (
	"errors"
	"fmt"
	"os"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// errCrash is returned by crashPoint in tests: Run stops as if killed,
// leaving files exactly as they are.
var errCrash = errors.New("backup: simulated crash")

// Stages of an update at which tests can stop Run (Options.crashAt).
const (
	stageJournal   = "journal"    // journal durable, backup untouched
	stageHalfPatch = "half-patch" // half of the changed pages written
	stagePatched   = "patched"    // all pages written and synced, old manifest
	stageCommitted = "committed"  // new manifest in place, journal still there
	stageRenamed   = "renamed"    // full backup: manifest written, file not yet renamed
)

func (o *Options) crashPoint(stage string) error {
	if o.crashAt == stage {
		return errCrash
	}
	return nil
}

// update writes into the existing backup at path only the pages of src
// whose CRC differs from the old manifest (all of them when the page size
// changed or Options.Full asks for a full copy: a page of the backup that
// rotted under its recorded CRC is then rewritten too), then commits next as the new manifest. The previous backup is
// protected by an undo journal: see recoverJournal. It returns how many
// pages it wrote and the journal's size.
func update(path string, oldBytes []byte, old *Manifest, src pagefile.Source, next *Manifest, o *Options) (int, int64, error) {
	nextBytes := EncodeManifest(next)
	ps := int64(next.PageSize)
	newSize := ps * int64(next.PageCount)
	oldSize := int64(old.PageSize) * int64(old.PageCount)
	var changed []uint32
	for i, c := range next.CRCs {
		if o.Full || old.PageSize != next.PageSize || i >= len(old.CRCs) || old.CRCs[i] != c {
			changed = append(changed, uint32(i+1))
		}
	}
	plan := &journalPlan{oldSize: oldSize, base: manifestSum(oldBytes), next: manifestSum(nextBytes)}
	plan.spans = savedSpans(changed, ps, newSize, oldSize)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	if err := writeJournal(path, f, plan); err != nil {
		// Nothing in the backup was touched yet: the journal, whole or
		// not, protects nothing and would only be left behind.
		return 0, 0, errors.Join(fmt.Errorf("backup: journal: %w", err), removeJournal(path))
	}
	jbytes := journalBytes(plan)
	err = patch(f, src, next, changed, o)
	if err == nil {
		err = o.crashPoint(stagePatched)
	}
	if err == nil {
		err = writeFileAtomic(path+ManifestSuffix, nextBytes)
	}
	if err == nil {
		err = o.crashPoint(stageCommitted)
	}
	if errors.Is(err, errCrash) {
		return 0, 0, err
	}
	if err != nil {
		// Put the previous backup back now rather than at the next run.
		f.Close()
		if _, rerr := recoverJournal(path); rerr != nil {
			return 0, 0, fmt.Errorf("%w (and rolling back: %w)", err, rerr)
		}
		return 0, 0, err
	}
	return len(changed), jbytes, removeJournal(path)
}

// patch writes the changed pages of src into f, cuts f to the new size
// and syncs it. Each page is checked against the CRC the manifest will
// record, so what is committed is what was hashed.
func patch(f *os.File, src pagefile.Source, next *Manifest, changed []uint32, o *Options) error {
	if err := o.crashPoint(stageJournal); err != nil {
		return err
	}
	buf := make([]byte, next.PageSize)
	for i, p := range changed {
		if i == len(changed)/2 {
			if err := o.crashPoint(stageHalfPatch); err != nil {
				return err
			}
		}
		if err := src.ReadPage(p, buf); err != nil {
			return fmt.Errorf("backup: page %d: %w", p, err)
		}
		if master.PageCRC(buf) != next.CRCs[p-1] {
			return fmt.Errorf("backup: page %d changed between hashing and writing", p)
		}
		if _, err := f.WriteAt(buf, int64(p-1)*int64(next.PageSize)); err != nil {
			return err
		}
		o.progress(PhaseWrite, i+1, len(changed))
	}
	if err := f.Truncate(int64(next.PageCount) * int64(next.PageSize)); err != nil {
		return err
	}
	return f.Sync()
}

// savedSpans lists the byte ranges of the old file an update overwrites or
// cuts off: each changed page, clipped to the old size, contiguous pages
// merged up to maxRecord bytes, and the tail beyond the new size.
func savedSpans(changed []uint32, ps, newSize, oldSize int64) []span {
	var out []span
	add := func(off, end int64) {
		end = min(end, oldSize)
		for off < end {
			n := min(end-off, maxRecord)
			if k := len(out) - 1; k >= 0 && out[k].off+int64(out[k].n) == off && int64(out[k].n)+n <= maxRecord {
				out[k].n += int(n)
			} else {
				out = append(out, span{off: off, n: int(n)})
			}
			off += n
		}
	}
	for _, p := range changed {
		off := int64(p-1) * ps
		add(off, off+ps)
	}
	if newSize < oldSize {
		add(newSize, oldSize)
	}
	return out
}
