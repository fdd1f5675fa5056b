package recover

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// When a table's own schema row is gone (deleted, or beyond repair) and no
// metadata backup knows it, its name often survives in an index's row: an
// index names its table, and the columns it covers. inferTables finds, for
// each index whose table the plan lacks, the orphan table tree its entries
// point into (nearly every rowid the index lists is a rowid of that tree,
// and no other tree's), and recreates the table under that name: as many
// columns as its records have fields, those the index covers named (the
// record field whose values are the index's key values for the same
// rowids), the INTEGER PRIMARY KEY where every record stores NULL, the
// others columnN. The report says the schema was inferred and from what.

// inferShare is the share of an index's rowids that must be rowids of one
// orphan tree for the index to name it.
const inferShare = 0.9

// inferSample bounds how many index entries are matched to rows to name
// columns.
const inferSample = 64

// inferTables adds to the plan the tables whose names only their indexes
// still give (rows carries the index rows: the file's and carved ones).
func (r *repairer) inferTables(ctx context.Context, sb *sandbox, rows []btree.SchemaRow) {
	orphans := r.orphanTableTrees()
	for _, row := range rows {
		if row.Type != "index" || r.plan.byName[strings.ToLower(row.TblName)] != nil || row.RootPage <= 0 {
			continue
		}
		ix := r.treeAt(uint32(row.RootPage))
		cols := indexColumns(row.SQL)
		if ix == nil || !ix.IndexTree || len(cols) == 0 {
			continue
		}
		entries := r.indexEntries(ix)
		tree, rowsByID := r.treeOfRowids(orphans, entries)
		if tree == nil {
			continue
		}
		text, named := inferredCreate(row.TblName, cols, entries, rowsByID)
		stored, err := sb.accept(ctx, "table", row.TblName, text)
		if err != nil {
			continue
		}
		t := &table{object: object{Type: "table", Name: row.TblName, TblName: row.TblName, SQL: stored, Root: tree.Root, From: SchemaFromInferred}}
		r.plan.addTable(t)
		r.plan.notes = append(r.plan.notes, fmt.Sprintf("table %q has no schema row left; it was recreated from its index %q and its records (%s): %s",
			row.TblName, row.Name, named, stored))
		delete(orphans, tree.Root)
		// The index itself, refused for want of its table, now has one.
		if ixText, err := sb.accept(ctx, "index", row.Name, row.SQL); err == nil {
			r.plan.later = append(r.plan.later, object{Type: "index", Name: row.Name, TblName: row.TblName, SQL: ixText, Root: uint32(row.RootPage), From: SchemaFromCarved})
			r.plan.indexes[strings.ToLower(row.Name)] = true
			r.plan.indexRoots[uint32(row.RootPage)] = true
			r.plan.rejected = slices.DeleteFunc(r.plan.rejected, func(s string) bool { return strings.Contains(s, fmt.Sprintf("index %q", row.Name)) })
		}
	}
}

// orphanTableTrees lists the orphan trees of table (rowid) pages by root.
func (r *repairer) orphanTableTrees() map[uint32]*census.Tree {
	out := map[uint32]*census.Tree{}
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan && !ct.IndexTree && ct.Walk != nil {
			out[ct.Root] = ct
		}
	}
	return out
}

// treeAt returns the census tree whose root is pgno.
func (r *repairer) treeAt(pgno uint32) *census.Tree {
	for _, ct := range r.cen.Trees {
		if ct.Root == pgno && ct.Walk != nil {
			return ct
		}
	}
	return nil
}

// indexEntries decodes the entries of an index tree: key values, rowid
// last.
func (r *repairer) indexEntries(ct *census.Tree) [][]any {
	var out [][]any
	_, _ = r.cen.Walk(ct.Index, btree.WalkOptions{OnEntry: func(e *btree.Entry) error {
		if vals, err := r.rd.Record(e.Payload); err == nil && len(vals) >= 2 {
			if _, ok := vals[len(vals)-1].(int64); ok {
				out = append(out, vals)
			}
		}
		return nil
	}})
	return out
}

// treeOfRowids finds the one orphan table tree holding nearly every rowid
// the entries end in, and returns it with its rows by rowid.
func (r *repairer) treeOfRowids(orphans map[uint32]*census.Tree, entries [][]any) (*census.Tree, map[int64][]any) {
	if len(entries) == 0 {
		return nil, nil
	}
	var found *census.Tree
	var rows map[int64][]any
	for _, root := range slices.Sorted(maps.Keys(orphans)) {
		ct := orphans[root]
		byID := map[int64][]any{}
		_, _ = r.cen.Walk(ct.Index, btree.WalkOptions{OnEntry: func(e *btree.Entry) error {
			if vals, err := r.rd.Record(e.Payload); err == nil {
				byID[e.Rowid] = vals
			}
			return nil
		}})
		hits := 0
		for _, e := range entries {
			if _, ok := byID[e[len(e)-1].(int64)]; ok {
				hits++
			}
		}
		if float64(hits) >= inferShare*float64(len(entries)) {
			if found != nil {
				return nil, nil // two trees fit: do not guess
			}
			found, rows = ct, byID
		}
	}
	return found, rows
}

// indexColumns returns the plain column names a CREATE INDEX text lists,
// in order ("" for an expression), or nil when the text does not parse.
func indexColumns(text string) []string {
	toks, ok := sqlTokens(text)
	if !ok {
		return nil
	}
	start := slices.Index(toks, "(")
	if start < 0 {
		return nil
	}
	var cols []string
	var part []string
	depth := 0
	for _, t := range toks[start:] {
		switch {
		case t == "(":
			depth++
			if depth == 1 {
				continue
			}
		case t == ")":
			depth--
			if depth == 0 {
				return append(cols, columnOf(part))
			}
		case t == "," && depth == 1:
			cols, part = append(cols, columnOf(part)), nil
			continue
		}
		part = append(part, t)
	}
	return nil
}

// columnOf names the column of one indexed term: a name, optionally with
// COLLATE x and ASC or DESC; "" for anything else (an expression).
func columnOf(term []string) string {
	if len(term) == 0 || strings.ContainsAny(term[0], "(),=;") {
		return ""
	}
	rest := term[1:]
	if len(rest) >= 2 && strings.EqualFold(rest[0], "COLLATE") {
		rest = rest[2:]
	}
	if len(rest) == 1 && (strings.EqualFold(rest[0], "ASC") || strings.EqualFold(rest[0], "DESC")) {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		return ""
	}
	return unquote(term[0])
}

// inferredCreate writes the CREATE TABLE of an inferred table and says
// which columns it could name.
func inferredCreate(name string, cols []string, entries [][]any, rows map[int64][]any) (string, string) {
	width := 0
	for _, v := range rows {
		width = max(width, len(v))
	}
	names := make([]string, width)
	for j, col := range cols {
		if col == "" {
			continue
		}
		for f := 0; f < width; f++ {
			if names[f] == "" && matches(entries, rows, j, f) {
				names[f] = col
				break
			}
		}
	}
	ipk := -1
	if width > 0 && allNull(rows, 0) {
		ipk = 0
	}
	var defs, named []string
	for f := 0; f < width; f++ {
		n := names[f]
		if n == "" {
			n = fmt.Sprintf("column%d", f+1)
		} else {
			named = append(named, n)
		}
		def := sqlident.Quote(n)
		if f == ipk {
			def += " INTEGER PRIMARY KEY"
		}
		defs = append(defs, def)
	}
	how := "no column named by the index"
	if len(named) > 0 {
		how = "columns " + strings.Join(named, ", ") + " named by the index"
	}
	return "CREATE TABLE " + sqlident.Quote(name) + "(" + strings.Join(defs, ", ") + ")", how
}

// matches reports whether field f of the rows holds key column j of the
// index entries (for a sample of them).
func matches(entries [][]any, rows map[int64][]any, j, f int) bool {
	seen := 0
	for _, e := range entries[:min(len(entries), inferSample)] {
		row, ok := rows[e[len(e)-1].(int64)]
		if !ok || j >= len(e)-1 {
			continue
		}
		if f >= len(row) || encodeKey([]any{row[f]}) != encodeKey([]any{e[j]}) {
			return false
		}
		seen++
	}
	return seen > 0
}

// allNull reports whether field f is NULL in every row.
func allNull(rows map[int64][]any, f int) bool {
	for _, v := range rows {
		if f < len(v) && v[f] != nil {
			return false
		}
	}
	return len(rows) > 0
}
