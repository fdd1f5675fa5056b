package recover_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

// scenario builds a corpus database, optionally takes a metadata backup,
// corrupts a copy, repairs it and scores the result against the truth.
type scenario struct {
	spec       corpus.Spec
	corruption corpus.Corruption
	withMeta   bool
}

type outcome struct {
	report *recover.Report
	card   *corpus.Scorecard
	out    string
}

func (s scenario) run(t *testing.T) outcome {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := corpus.Generate(ctx, dir, s.spec)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := corpus.RecordTruth(ctx, db.Path)
	if err != nil {
		t.Fatal(err)
	}
	var metaPaths []string
	if s.withMeta {
		m, err := master.Capture(ctx, db.Path, master.Options{})
		if err != nil {
			t.Fatal(err)
		}
		mp := filepath.Join(dir, "app.meta")
		if err := master.WriteFile(mp, m); err != nil {
			t.Fatal(err)
		}
		metaPaths = []string{mp}
	}
	broken := filepath.Join(dir, "broken.db")
	damage, err := corpus.Corrupt(ctx, db.Path, broken, s.corruption)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "recovered.db")
	rep, err := recover.Repair(ctx, broken, recover.Options{Output: out, MetaPaths: metaPaths})
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	if rep.Integrity != "ok" {
		t.Errorf("integrity_check of the output: %s", rep.Integrity)
	}
	card, err := corpus.Score(ctx, truth, out, damage)
	if err != nil {
		t.Fatal(err)
	}
	return outcome{report: rep, card: card, out: out}
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Two leaves of different tables exchanged: each tree reaches a page of
// the other table, whose records fit it loosely (SQLite lets text into an
// INTEGER column) and their own table closely. Every row must end in its
// own table, none in the other (the repair put two contacts into
// messages), and rows SQLite refuses go to lost_and_found while another
// lost_and_found table is created without the two taking one name (the
// repair failed with "table lost_and_found_1 already exists").
func TestSwappedLeavesOfTwoTables(t *testing.T) {
	o := scenario{
		spec:       corpus.Spec{Seed: 33, PageSize: 8192, Reserved: 32, AutoVacuum: "incremental", Deletes: true},
		corruption: corpus.Corruption{Kind: corpus.SwapPages, Seed: 33},
	}.run(t)
	if tot := o.card.Total; tot.Invented != 0 || tot.Exact != tot.Original {
		t.Errorf("%d of %d rows exact, %d invented", tot.Exact, tot.Original, tot.Invented)
	}
}
