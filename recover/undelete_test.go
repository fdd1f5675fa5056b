package recover_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/recover"
)

// Issue 11 §4: "I deleted the conversation by mistake". With Deleted, the
// rows deleted from messages come back (scattered deletes leave each cell
// in a freeblock, whole but for its first bytes), in a table of their own
// with where each was found, the live rows untouched; without it, nothing
// deleted comes back.
func TestUndeleteIsOptIn(t *testing.T) {
	dir := t.TempDir()
	orig := newDB(t, dir, "app.db", messenger...)
	want := rows(t, orig, `SELECT id, contact_id, body, unread FROM messages WHERE contact_id = 7 ORDER BY id`)
	execOn(t, orig, `PRAGMA secure_delete = OFF`, `DELETE FROM messages WHERE contact_id = 7`)
	live := copyFile(t, orig, filepath.Join(dir, "live.db"))

	rep, out := repair(t, orig, recover.Options{})
	sameRows(t, live, out, `SELECT * FROM messages ORDER BY id`)
	if len(rep.Deleted) != 0 || len(rows(t, out, `SELECT name FROM sqlite_master WHERE name LIKE 'dbrescue_deleted%'`)) != 0 {
		t.Fatalf("deleted rows came back without being asked: %+v", rep.Deleted)
	}

	rep, out = repair(t, orig, recover.Options{Deleted: true})
	sameRows(t, live, out, `SELECT * FROM messages ORDER BY id`)
	if len(rep.Deleted) != 1 || rep.Deleted[0].Table != "messages" {
		t.Fatalf("deleted: %+v", rep.Deleted)
	}
	got := rows(t, out, `SELECT DISTINCT coalesce(id, dbrescue_rowid), contact_id, body, unread FROM `+rep.Deleted[0].Into+` ORDER BY 1`)
	// Rows whose cells lost their rowid with their first bytes come back
	// without it: compare what every deleted row holds besides its id.
	strip := func(rs [][]string) [][]string {
		var out [][]string
		for _, r := range rs {
			out = append(out, r[1:])
		}
		slices.SortFunc(out, slices.Compare)
		return out
	}
	if diff := cmp.Diff(strip(want), strip(got)); diff != "" {
		t.Errorf("deleted rows (-deleted +brought back):\n%s", diff)
	}
	if rep.Status != recover.StatusComplete {
		t.Errorf("status %s: deleted rows are not a loss; reasons %+v", rep.Status, rep.Reasons)
	}
}

// Issue 11 §4: when whole pages are emptied SQLite moves cells between
// pages and frees some, so fewer deleted rows survive; every row brought
// back is still one that was deleted (or an older copy of a live row's
// values, never an invented one), and none goes among the live rows.
func TestUndeleteBringsBackOnlyDeletedRows(t *testing.T) {
	dir := t.TempDir()
	orig := newDB(t, dir, "app.db", messenger...)
	before := rows(t, orig, `SELECT contact_id, body, unread FROM messages`)
	execOn(t, orig, `PRAGMA secure_delete = OFF`, `DELETE FROM messages WHERE id BETWEEN 100 AND 160`)
	live := copyFile(t, orig, filepath.Join(dir, "live.db"))
	rep, out := repair(t, orig, recover.Options{Deleted: true})
	sameRows(t, live, out, `SELECT * FROM messages ORDER BY id`)
	if len(rep.Deleted) != 1 || rep.Deleted[0].Rows == 0 {
		t.Fatalf("deleted: %+v", rep.Deleted)
	}
	for _, r := range rows(t, out, `SELECT contact_id, body, unread FROM `+rep.Deleted[0].Into) {
		if !slices.ContainsFunc(before, func(b []string) bool { return slices.Equal(b, r) }) {
			t.Errorf("row brought back that never was: %v", r)
		}
	}
}
