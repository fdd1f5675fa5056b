package recover

import (
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/master"
)

// standInTree is a b-tree of the damaged file ordered by a stand-in
// collation: an index, a UNIQUE or PRIMARY KEY constraint's index, or a
// WITHOUT ROWID table (whose key is its b-tree's order).
type standInTree struct {
	x    master.Index // its columns, as a record of the tree holds them
	ct   *census.Tree // the tree in the damaged file, nil when none
	name string       // the b-tree's name in sqlite_master
}

// standInTrees lists the b-trees the plan creates whose order depends on
// a stand-in collation.
func (r *repairer) standInTrees() []standInTree {
	if r.standIns == nil || len(r.standIns.byName) == 0 {
		return nil
	}
	trees := map[string]*census.Tree{}
	for _, ct := range r.cen.Trees {
		if ct.From != census.FromOrphan && ct.IndexTree && ct.Name != "" {
			trees[strings.ToLower(ct.Name)] = ct
		}
	}
	var out []standInTree
	for _, x := range r.plan.described {
		if !r.usesStandIn(x) {
			continue
		}
		name := x.Name
		if t := r.plan.byName[strings.ToLower(x.Table)]; t != nil && t.info.WithoutRowid && x.Origin == "pk" {
			name = t.Name // the table's own b-tree is the key's
		}
		out = append(out, standInTree{x: x, ct: trees[strings.ToLower(name)], name: name})
	}
	return out
}

func (r *repairer) usesStandIn(x master.Index) bool {
	for _, c := range x.Columns {
		if r.standIns.lookup(c.Coll) != nil {
			return true
		}
	}
	return false
}

// entriesInOrder returns the decoded entries of a tree of the damaged
// file in b-tree order, or false when its walk met any damage: only a
// clean walk shows the phone's order.
func (r *repairer) entriesInOrder(ct *census.Tree) ([][]any, bool) {
	if ct == nil || ct.Walk == nil || len(ct.Walk.Errors) > 0 {
		return nil, false
	}
	var out [][]any
	clean := true
	res, err := r.cen.Walk(ct.Index, btree.WalkOptions{OnEntry: func(e *btree.Entry) error {
		vals, err := r.rd.Record(e.Payload)
		if err != nil || e.PayloadErr != nil {
			clean = false
			return nil
		}
		out = append(out, vals)
		return nil
	}})
	if err != nil || res == nil || len(res.Errors) > 0 || !clean {
		return nil, false
	}
	return out, true
}

// rankStandIns gives every stand-in collation the order the damaged
// file's clean b-trees show. Each pair of neighbouring entries says the
// first is not after the second, under the collation of the first column
// where they differ. Strings in a cycle of such constraints are tied by
// the phone; the ties are merged and the constraints read again at the
// next column, until nothing changes. The ranks are a topological order
// of what remains. They need not be right: every b-tree written with them
// is checked against the original (standInCheck). It also notes which
// trees walked clean (r.standInClean).
func (r *repairer) rankStandIns(trees []standInTree) {
	r.standInClean = map[string]bool{}
	graphs := map[*standIn]*orderGraph{}
	type source struct {
		cols    []*standIn // per column, its stand-in or nil
		desc    []bool
		entries [][]uint64 // per column: a node id (standInText set) or a hash of the value
	}
	var sources []source
	for _, st := range trees {
		entries, ok := r.entriesInOrder(st.ct)
		if !ok {
			continue
		}
		r.standInClean[strings.ToLower(st.name)] = true
		s := source{cols: make([]*standIn, len(st.x.Columns)), desc: make([]bool, len(st.x.Columns))}
		for k, c := range st.x.Columns {
			s.desc[k] = c.Desc
			if si := r.standIns.lookup(c.Coll); si != nil {
				s.cols[k] = si
				if graphs[si] == nil {
					graphs[si] = newOrderGraph()
				}
			}
		}
		for _, e := range entries {
			row := make([]uint64, len(e))
			for k, v := range e {
				if str, ok := v.(string); ok && k < len(s.cols) && s.cols[k] != nil {
					row[k] = standInText | uint64(graphs[s.cols[k]].node(str))
				} else {
					row[k] = hashValues(e[k:k+1]) &^ standInText
				}
			}
			s.entries = append(s.entries, row)
		}
		sources = append(sources, s)
	}
	const rounds = 8
	for round := 0; round < rounds; round++ {
		for _, g := range graphs {
			g.edges = g.edges[:0]
		}
		for _, s := range sources {
			for i := 1; i < len(s.entries); i++ {
				a, b := s.entries[i-1], s.entries[i]
				k := firstDifference(s.cols, graphs, a, b)
				if k < 0 || k >= len(s.cols) || s.cols[k] == nil || a[k]&b[k]&standInText == 0 {
					continue
				}
				from, to := int32(a[k]&^standInText), int32(b[k]&^standInText)
				if s.desc[k] {
					from, to = to, from
				}
				g := graphs[s.cols[k]]
				g.edges = append(g.edges, [2]int32{from, to})
			}
		}
		changed := false
		for _, g := range graphs {
			changed = g.merge() || changed
		}
		if !changed {
			break
		}
	}
	for si, g := range graphs {
		ranks := g.ranks()
		si.ranks.Store(&ranks)
	}
}

// standInText marks a column of an entry that holds a string ordered by a
// stand-in collation: the rest is the string's node id in its graph.
const standInText = 1 << 63

// firstDifference returns the first column where two neighbouring entries
// differ, -1 if none. Strings the phone ties (one class of a stand-in's
// graph) do not differ.
func firstDifference(cols []*standIn, graphs map[*standIn]*orderGraph, a, b []uint64) int {
	for k := 0; k < len(a) && k < len(b); k++ {
		if k < len(cols) && cols[k] != nil && a[k]&b[k]&standInText != 0 {
			g := graphs[cols[k]]
			if g.class(int32(a[k]&^standInText)) != g.class(int32(b[k]&^standInText)) {
				return k
			}
			continue
		}
		if a[k] != b[k] {
			return k
		}
	}
	return -1
}
