package recover_test

import (
	"fmt"
	"testing"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/recover"
)

// geometries cycles the page sizes, encodings and auto_vacuum modes the
// acceptance cases run on.
var geometries = []corpus.Spec{
	{PageSize: 4096},
	{PageSize: 1024, Encoding: corpus.UTF16LE, AutoVacuum: "full", Reserved: 8, Deletes: true},
	{PageSize: 8192, Encoding: corpus.UTF16BE, AutoVacuum: "incremental"},
}

func cases(kinds []corpus.Corruption, seeds int, f func(t *testing.T, s corpus.Spec, c corpus.Corruption)) func(*testing.T) {
	return func(t *testing.T) {
		for _, c := range kinds {
			for seed := 1; seed <= seeds; seed++ {
				spec := geometries[(seed-1)%len(geometries)]
				spec.Seed = uint64(seed)
				c.Seed = uint64(seed)
				t.Run(fmt.Sprintf("%s-%s-s%d", c.Kind, c.Target, seed), func(t *testing.T) {
					t.Parallel()
					f(t, spec, c)
				})
			}
		}
	}
}

// With a metadata backup taken before the damage, every row comes back
// into its own table when page 1, the header, the page size field, an
// interior or root page, or a table's schema row is destroyed.
func TestRepairWithMetaIsComplete(t *testing.T) {
	kinds := []corpus.Corruption{
		{Kind: corpus.ZeroPage1}, {Kind: corpus.GarbagePage1}, {Kind: corpus.ZeroHeader}, {Kind: corpus.BadPageSize},
		{Kind: corpus.ZeroPage, Target: corpus.TargetInterior}, {Kind: corpus.GarbagePage, Target: corpus.TargetInterior},
		{Kind: corpus.ZeroPage, Target: corpus.TargetRoot}, {Kind: corpus.GarbagePage, Target: corpus.TargetRoot},
		{Kind: corpus.SchemaSQLGarbled}, {Kind: corpus.SchemaRowDeleted},
	}
	t.Run("kinds", cases(kinds, 3, func(t *testing.T, s corpus.Spec, c corpus.Corruption) {
		o := scenario{spec: s, corruption: c, withMeta: true}.run(t)
		// The ceiling is the rows whose bytes survived: all of them when
		// page 1, the header or a schema row is hit; fewer when the page
		// destroyed held rows itself (a root that is its table's only
		// page, an interior page of a WITHOUT ROWID table).
		want := o.card.Total.Ceiling
		if c.Target == "" && want != o.card.Total.Original {
			t.Fatalf("test premise: %s destroys no row, yet the ceiling is %d of %d", c.Kind, want, o.card.Total.Original)
		}
		if got := o.card.Total.Exact; got != want || o.card.Total.Altered != 0 {
			t.Errorf("%d of %d rows exact in the right table (want %d, ceiling %d), %d altered; report %s", got, o.card.Total.Original, want, o.card.Total.Ceiling, o.card.Total.Altered, o.report.Status)
		}
		if o.report.Status == recover.StatusFailed {
			t.Errorf("status %s", o.report.Status)
		}
	}))
}

// With a metadata backup, damage that destroys rows loses only those rows:
// exact recall equals the ceiling, and rows whose overflow chain broke are
// kept, with what could be read, and listed as truncated.
func TestRepairWithMetaReachesCeiling(t *testing.T) {
	kinds := []corpus.Corruption{
		{Kind: corpus.Truncate}, {Kind: corpus.ZeroPage, Target: corpus.TargetLeaf},
		{Kind: corpus.GarbagePage, Target: corpus.TargetLeaf}, {Kind: corpus.OverflowCut},
		{Kind: corpus.SwapPages}, {Kind: corpus.GarbagePage, Target: corpus.TargetOverflow},
	}
	t.Run("kinds", cases(kinds, 3, func(t *testing.T, s corpus.Spec, c corpus.Corruption) {
		o := scenario{spec: s, corruption: c, withMeta: true}.run(t)
		if got, ceil := o.card.Total.Exact, o.card.Total.Ceiling; got < ceil {
			t.Errorf("%d rows exact, ceiling %d", got, ceil)
		}
		// Damage the structure shows must be reported. Swapped pages can
		// leave every row recoverable, and bytes overwritten at the end of
		// an overflow chain are indistinguishable from data.
		detectable := c.Kind != corpus.SwapPages && c.Target != corpus.TargetOverflow
		if detectable && o.report.Status != recover.StatusPartial {
			t.Errorf("status %s after destroying rows, want partial", o.report.Status)
		}
		if c.Kind == corpus.OverflowCut {
			truncated := 0
			for _, tr := range o.report.Tables {
				truncated += tr.Truncated
			}
			if truncated == 0 || o.card.Total.Altered != truncated {
				t.Errorf("overflow-cut: %d rows reported truncated, %d altered; want the cut row kept and flagged", truncated, o.card.Total.Altered)
			}
		}
	}))
}

// Without a metadata backup: a destroyed header or page size field costs
// nothing; destroyed interior and root pages cost no row whose leaf
// survived; and with page 1 gone every row still comes back, into one
// lost_and_found table per original b-tree.
func TestRepairWithoutMeta(t *testing.T) {
	kinds := []corpus.Corruption{
		{Kind: corpus.ZeroHeader}, {Kind: corpus.BadPageSize},
		{Kind: corpus.ZeroPage, Target: corpus.TargetInterior}, {Kind: corpus.GarbagePage, Target: corpus.TargetRoot},
		{Kind: corpus.ZeroPage1}, {Kind: corpus.GarbagePage1},
	}
	t.Run("kinds", cases(kinds, 3, func(t *testing.T, s corpus.Spec, c corpus.Corruption) {
		o := scenario{spec: s, corruption: c}.run(t)
		tot := o.card.Total
		switch c.Kind {
		case corpus.ZeroPage1, corpus.GarbagePage1:
			if tot.Anywhere != tot.Original {
				t.Errorf("%d of %d rows found anywhere", tot.Anywhere, tot.Original)
			}
			if len(o.report.LostAndFound) < 3 {
				t.Errorf("%d lost_and_found tables: want one per original b-tree, not one heap", len(o.report.LostAndFound))
			}
		case corpus.ZeroPage, corpus.GarbagePage:
			if tot.Exact*100 < tot.Ceiling*99 {
				t.Errorf("%d rows exact, ceiling %d: below 99%%", tot.Exact, tot.Ceiling)
			}
		default:
			if tot.Exact != tot.Original {
				t.Errorf("%d of %d rows exact", tot.Exact, tot.Original)
			}
		}
	}))
}
