package pagefile

import (
	"fmt"
	"io"
	"slices"
)

// settleOriginalSize decides the database size before the transaction, a
// field no checksum covers. SQLite takes the first header's. But every
// header repeats it, one vote each, and the original page 1, when a
// verified record holds it, gives it in its header: two votes, since both
// the record's checksum and the header's change counter vouch for it. A
// size below a page that a verified record holds is ruled out, since
// SQLite journals no page beyond it. The size with the most votes wins,
// the first header's on a tie; when every size is ruled out, the first
// header's stands. Disagreement is reported, and a size other than the
// first header's in Salvaged.
func (j *Journal) settleOriginalSize(r io.ReaderAt, recs []journalRecordRead) {
	first := j.Header.DatabaseSize
	j.originalSize = first
	votes := map[uint32]int{first: 1}
	for _, s := range j.Segments[min(1, len(j.Segments)):] {
		votes[s.Header.DatabaseSize]++
	}
	if p1, ok := j.page1Size(r, recs); ok {
		votes[p1] += 2
	}
	if len(votes) == 1 {
		return
	}
	var highest uint32
	for _, rec := range recs {
		if rec.stored == rec.computed {
			highest = max(highest, rec.pgno)
		}
	}
	others := make([]uint32, 0, len(votes))
	for n := range votes {
		if n != first {
			others = append(others, n)
		}
	}
	slices.Sort(others)
	best, bestVotes := first, -1
	if first >= highest {
		bestVotes = votes[first] // ties go to the first header
	}
	for _, n := range others {
		if n >= highest && votes[n] > bestVotes {
			best, bestVotes = n, votes[n]
		}
	}
	given := fmt.Sprintf("%d pages with %d votes, the first header's", first, votes[first])
	for _, n := range others {
		given += fmt.Sprintf("; %d pages with %d", n, votes[n])
	}
	j.problem(Corrupt(0, 16, ErrBadValue, "the journal headers and the original page 1 disagree on the original size (%s)", given))
	if best != first {
		j.originalSize = best
		j.salvaged(fmt.Sprintf("original size %d pages, not the first header's %d: %s", best, first, given))
	}
}

// page1Size is the in-header database size of the original page 1, when a
// verified record holds it and its header vouches for the size (the change
// counter equals the version-valid-for number).
func (j *Journal) page1Size(r io.ReaderAt, recs []journalRecordRead) (uint32, bool) {
	for _, rec := range recs {
		if rec.pgno != 1 || rec.stored != rec.computed {
			continue
		}
		var b [HeaderSize]byte
		if readFull(r, b[:], rec.off+4) != nil {
			return 0, false
		}
		h := ParseHeader(b[:])
		return h.DatabaseSize, h.Magic == Magic && h.DatabaseSizeTrusted()
	}
	return 0, false
}

// salvaged adds how a damaged field was worked around to Salvaged.
func (j *Journal) salvaged(how string) {
	if j.Salvaged != "" {
		j.Salvaged += "; "
	}
	j.Salvaged += how
}
