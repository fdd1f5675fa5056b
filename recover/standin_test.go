package recover

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCollationNames(t *testing.T) {
	for text, want := range map[string][]string{
		`CREATE TABLE c (n TEXT COLLATE LOCALIZED, s TEXT collate "Phone Book", x COLLATE nocase)`: {"LOCALIZED", "Phone Book", "nocase"},
		`CREATE INDEX i ON c (n COLLATE /* why */ [UNICODE] DESC)`:                                 {"UNICODE"},
		`CREATE TABLE c (n TEXT DEFAULT 'COLLATE X', -- COLLATE Y` + "\n" + `m)`:                   nil,
		`CREATE TABLE c ("collate" COLLATE 'quoted''name')`:                                        {"quoted'name"},
		`CREATE TABLE c (n COLLATE`:                                                                nil,
		`CREATE TABLE c (n COLLATE "unterminated`:                                                  {"unterminate"},
	} {
		if diff := cmp.Diff(want, collationNames(text)); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", text, diff)
		}
	}
}

// The ranks keep the order neighbouring entries show, and tie the strings
// a cycle of constraints shows the phone tied.
func TestOrderGraphRanks(t *testing.T) {
	g := newOrderGraph()
	seq := []string{"anna", "Anna", "anna", "bob", "Émile", "emile", "zoe"}
	for i := 1; i < len(seq); i++ {
		g.edges = append(g.edges, [2]int32{g.node(seq[i-1]), g.node(seq[i])})
	}
	if !g.merge() {
		t.Fatal("anna, Anna, anna is a cycle: they are tied")
	}
	if g.merge() {
		t.Error("a second merge changed more")
	}
	r := g.ranks()
	ordered := r["Anna"] < r["bob"] && r["bob"] < r["Émile"] && r["Émile"] < r["emile"] && r["emile"] < r["zoe"]
	if r["anna"] != r["Anna"] || !ordered {
		t.Errorf("ranks %v", r)
	}
	si := &standIn{name: "LOCALIZED"}
	si.ranks.Store(&r)
	for _, c := range []struct {
		a, b string
		want int
	}{{"anna", "Anna", 0}, {"zoe", "bob", 1}, {"bob", "unranked", -1}, {"b-unranked", "a-unranked", 1}} {
		if got := si.compare(c.a, c.b); got != c.want {
			t.Errorf("compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
