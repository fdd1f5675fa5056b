package recover_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/recover"
)

func mustExec(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestHostileSQLInTheFileIsData plants SQL with extra statements in a
// database's own sqlite_master, as a damaged or malicious file can carry,
// and checks none of it runs: the statement is rejected, the table it
// would have dropped keeps its rows, no file is attached.
func TestHostileSQLInTheFileIsData(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "hostile.db")
	evil := filepath.Join(dir, "evil.db")
	db, err := sql.Open("sqlite", "file:"+in)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db,
		`CREATE TABLE victim(id INTEGER PRIMARY KEY, v TEXT)`,
		`CREATE TABLE carrier(a)`,
		`INSERT INTO victim(v) VALUES ('keep me'), ('and me')`,
		`INSERT INTO carrier VALUES (1)`,
		`PRAGMA writable_schema = ON`,
		fmt.Sprintf(`UPDATE sqlite_master SET sql = 'CREATE TABLE carrier(a); DROP TABLE victim; ATTACH ''%s'' AS e' WHERE name = 'carrier'`, evil),
	)
	db.Close()
	out := filepath.Join(dir, "out.db")
	rep, err := recover.Repair(context.Background(), in, recover.Options{Output: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.RejectedSQL) != 1 || !strings.Contains(rep.RejectedSQL[0], "carrier") {
		t.Errorf("rejected SQL: %q", rep.RejectedSQL)
	}
	if _, err := os.Stat(evil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the hostile ATTACH created %s", evil)
	}
	got := queryStrings(t, openDB(t, out), `SELECT v FROM victim ORDER BY id`)
	if diff := cmp.Diff([]string{"keep me", "and me"}, got); diff != "" {
		t.Errorf("victim rows (-want +got):\n%s", diff)
	}
}

// TestHostileSQLInTheMetaIsData gives repair a metadata backup whose SQL
// carries extra statements, with page 1 destroyed so the backup is the
// only schema: the statement is rejected and its rows go to
// lost_and_found instead of running anything.
func TestHostileSQLInTheMetaIsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := corpus.Generate(ctx, dir, corpus.Spec{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	m, err := master.Capture(ctx, gen.Path, master.Options{})
	if err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(dir, "evil.db")
	target := ""
	for i, r := range m.Schema {
		if r.Type == "table" && target == "" && !strings.HasPrefix(r.Name, "sqlite_") {
			target = r.Name
			m.Schema[i].SQL = r.SQL + fmt.Sprintf("; ATTACH '%s' AS e", evil)
		}
	}
	metaPath := filepath.Join(dir, "hostile.meta")
	if err := master.WriteFile(metaPath, m); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.db")
	if _, err := corpus.Corrupt(ctx, gen.Path, broken, corpus.Corruption{Kind: corpus.ZeroPage1, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	rep, err := recover.Repair(ctx, broken, recover.Options{Output: filepath.Join(dir, "out.db"), MetaPaths: []string{metaPath}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.RejectedSQL) == 0 || !strings.Contains(strings.Join(rep.RejectedSQL, "\n"), target) {
		t.Errorf("rejected SQL %q does not name %s", rep.RejectedSQL, target)
	}
	if _, err := os.Stat(evil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the hostile ATTACH created %s", evil)
	}
	if len(rep.LostAndFound) == 0 {
		t.Errorf("the rejected table's rows are not kept in lost_and_found")
	}
	if rep.Integrity != "ok" {
		t.Errorf("integrity_check: %s", rep.Integrity)
	}
}

// TestTriggersDoNotFireDuringTheLoad repairs a database whose trigger logs
// every insert: the log must hold the original entries, not one more per
// recovered row.
func TestTriggersDoNotFireDuringTheLoad(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "app.db")
	db, err := sql.Open("sqlite", "file:"+in)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db,
		`CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT)`,
		`CREATE TABLE log(id INTEGER PRIMARY KEY, what TEXT)`,
		`CREATE TRIGGER item_log AFTER INSERT ON item BEGIN INSERT INTO log(what) VALUES ('added ' || new.name); END`,
		`INSERT INTO item(name) VALUES ('a'), ('b'), ('c')`,
	)
	db.Close()
	out := filepath.Join(dir, "out.db")
	if _, err := recover.Repair(context.Background(), in, recover.Options{Output: out}); err != nil {
		t.Fatal(err)
	}
	got := queryStrings(t, openDB(t, out), `SELECT what FROM log ORDER BY id`)
	if diff := cmp.Diff([]string{"added a", "added b", "added c"}, got); diff != "" {
		t.Errorf("log after repair (-want +got):\n%s", diff)
	}
	var n int
	if err := openDB(t, out).QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the trigger is not recreated after the load: %d, %v", n, err)
	}
}

// TestRepairNeverTouchesTheInput checks the input database and its WAL are
// byte-identical after a repair, and that the output rules hold.
func TestRepairNeverTouchesTheInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := corpus.Generate(ctx, dir, corpus.Spec{Seed: 3, WAL: true})
	if err != nil {
		t.Fatal(err)
	}
	hash := func() [2][32]byte {
		var h [2][32]byte
		for i, p := range []string{gen.Path, gen.WALPath} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			h[i] = sha256.Sum256(b)
		}
		return h
	}
	before := hash()
	out := filepath.Join(dir, "out.db")
	rep, err := recover.Repair(ctx, gen.Path, recover.Options{Output: out})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.WAL.Present || rep.WAL.CommittedFrames == 0 {
		t.Errorf("the WAL was not overlaid: %+v", rep.WAL)
	}
	if hash() != before {
		t.Errorf("repair changed the input database or its WAL")
	}
	if _, err := recover.Repair(ctx, gen.Path, recover.Options{Output: out}); !errors.Is(err, recover.ErrOutputExists) {
		t.Errorf("repair over an existing output: %v, want ErrOutputExists", err)
	}
	if _, err := recover.Repair(ctx, gen.Path, recover.Options{Output: gen.Path, Force: true}); err == nil {
		t.Errorf("repair accepted the input as its output")
	}
	if hash() != before {
		t.Errorf("a refused repair changed the input")
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestRepairReportsProgress checks the progress callback sees every phase,
// in order, and that the page phases end with every page counted.
func TestRepairReportsProgress(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := corpus.Generate(ctx, dir, corpus.Spec{Seed: 5, PageSize: 1024, Bytes: corpus.SizeSmall * 20})
	if err != nil {
		t.Fatal(err)
	}
	last := map[string][2]int{}
	var order []string
	_, err = recover.Repair(ctx, gen.Path, recover.Options{Output: filepath.Join(dir, "out.db"),
		Progress: func(phase string, done, total int) {
			if len(order) == 0 || order[len(order)-1] != phase {
				order = append(order, phase)
			}
			last[phase] = [2]int{done, total}
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{recover.PhaseSurvey, recover.PhaseRows, recover.PhaseBackup, recover.PhaseBuild, recover.PhaseIndexes, recover.PhaseCheck}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	for _, ph := range []string{recover.PhaseSurvey, recover.PhaseRows, recover.PhaseBuild} {
		if p := last[ph]; p[0] == 0 || p[0] != p[1] {
			t.Errorf("phase %s ends at %d of %d", ph, p[0], p[1])
		}
	}
}
