package recover_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/recover"
)

// TestRepairWithBackup destroys leaves, overflow pages or the end of the
// file after a page-level backup was taken, and checks that repair with the
// backup gets back rows the damaged file lost (every row here, since the
// database did not change after the backup), while without it recall stays
// at the ceiling.
func TestRepairWithBackup(t *testing.T) {
	kinds := []corpus.Corruption{
		{Kind: corpus.ZeroPage, Target: corpus.TargetLeaf}, {Kind: corpus.GarbagePage, Target: corpus.TargetLeaf},
		{Kind: corpus.ZeroPage, Target: corpus.TargetOverflow}, {Kind: corpus.Truncate},
	}
	t.Run("kinds", cases(kinds, 3, func(t *testing.T, s corpus.Spec, c corpus.Corruption) {
		ctx := context.Background()
		dir := t.TempDir()
		gen, err := corpus.Generate(ctx, dir, s)
		if err != nil {
			t.Fatal(err)
		}
		truth, err := corpus.RecordTruth(ctx, gen.Path)
		if err != nil {
			t.Fatal(err)
		}
		bak := filepath.Join(dir, "app.backup")
		if _, err := backup.Run(ctx, gen.Path, bak, backup.Options{}); err != nil {
			t.Fatal(err)
		}
		broken := filepath.Join(dir, "broken.db")
		damage, err := corpus.Corrupt(ctx, gen.Path, broken, c)
		if err != nil {
			t.Fatal(err)
		}
		bf, err := backup.Open(bak)
		if err != nil {
			t.Fatal(err)
		}
		defer bf.Close()
		score := func(opts recover.Options) (*recover.Report, *corpus.Scorecard) {
			rep, err := recover.Repair(ctx, broken, opts)
			if err != nil {
				t.Fatal(err)
			}
			card, err := corpus.Score(ctx, truth, opts.Output, damage)
			if err != nil {
				t.Fatal(err)
			}
			return rep, card
		}
		_, without := score(recover.Options{Output: filepath.Join(dir, "without.db")})
		rep, with := score(recover.Options{Output: filepath.Join(dir, "with.db"),
			Backup: &recover.BackupPages{Source: bf.Source, Meta: bf.Meta, Verify: bf.VerifyPage}})
		if with.Total.Exact != with.Total.Original || with.Total.Altered != 0 || with.Total.Invented != 0 {
			t.Errorf("with the backup: %d of %d rows exact, %d altered, %d invented (without: %d, ceiling %d)",
				with.Total.Exact, with.Total.Original, with.Total.Altered, with.Total.Invented, without.Total.Exact, without.Total.Ceiling)
		}
		fromBackup := 0
		for _, tr := range rep.Tables {
			fromBackup += tr.FromBackup + tr.CompletedFromBackup
		}
		if without.Total.Exact < with.Total.Exact && fromBackup == 0 {
			t.Errorf("rows came back but the report credits none to the backup")
		}
		if rep.Integrity != "ok" {
			t.Errorf("integrity_check: %s", rep.Integrity)
		}
	}))
}
