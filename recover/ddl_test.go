package recover

import (
	"context"
	"errors"
	"testing"

	"modernc.org/sqlite"
)

// TestSandboxAcceptsOnlyOneCreate feeds the sandbox the kinds of SQL a
// damaged file or a hostile metadata backup can carry.
func TestSandboxAcceptsOnlyOneCreate(t *testing.T) {
	ctx := context.Background()
	s, err := newSandbox(ctx, &sqlite.Driver{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	tests := []struct {
		typ, name, sql string
		ok             bool
	}{
		{"table", "t", "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT UNIQUE, b REAL DEFAULT (1.5))", true},
		{"table", "u", "create table if not exists u (x, y);", true},
		{"index", "t_a", "CREATE INDEX t_a ON t(a, b)", true},
		{"index", "t_b", "CREATE UNIQUE INDEX t_b ON t(b) WHERE b > 0", true},
		{"view", "v", "CREATE VIEW v AS SELECT a, count(*) FROM t GROUP BY a", true},
		{"trigger", "tr", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET x = x + 1; END", true},
		{"table", "w", "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID", true},
		{"table", "two", "CREATE TABLE two(a); CREATE TABLE three(b)", false},
		{"table", "att", "CREATE TABLE att(a); ATTACH 'evil.db' AS e", false},
		{"table", "sel", "CREATE TABLE sel(a); SELECT 1", false},
		{"table", "drop", "CREATE TABLE dropper(a); DROP TABLE t", false},
		{"table", "pre", "SELECT 1; CREATE TABLE pre(a)", false},
		{"table", "prag", "PRAGMA writable_schema=ON", false},
		{"table", "t", "CREATE INDEX t ON u(x)", false},
		{"index", "x_idx", "CREATE TABLE x_idx(a)", false},
		{"table", "other", "CREATE TABLE notother(a)", false},
		{"table", "tmp", "CREATE TEMP TABLE tmp(a)", false},
		{"table", "garbled", "CREATE TABLE garbled(a INTEGER PRIMARY KEY, \x00\xff b TEXT", false},
		{"trigger", "evil", "CREATE TRIGGER evil AFTER INSERT ON t BEGIN DELETE FROM u; END", true},
		{"table", "", "", false},
	}
	for _, tt := range tests {
		got, err := s.accept(ctx, tt.typ, tt.name, tt.sql)
		var rej *rejectedSQL
		switch {
		case tt.ok && err != nil:
			t.Errorf("%q rejected: %v", tt.sql, err)
		case !tt.ok && err == nil:
			t.Errorf("%q accepted as %q", tt.sql, got)
		case !tt.ok && !errors.As(err, &rej):
			t.Errorf("%q: error %v is not a rejection", tt.sql, err)
		}
	}
	// Nothing a rejected statement did survives in the sandbox.
	var n int
	s.trusted.Store(true)
	err = s.conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('two', 'three', 'att', 'sel', 'dropper', 'pre', 'x_idx', 'notother')`).Scan(&n)
	s.trusted.Store(false)
	if err != nil || n != 0 {
		t.Errorf("%d objects of rejected statements remain (%v)", n, err)
	}
}
