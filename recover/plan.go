package recover

import (
	"context"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// Where a schema object came from.
const (
	SchemaFromFile = "file"
	SchemaFromMeta = "meta"
)

// object is one schema object the repair will create: its accepted SQL
// (as SQLite stored it in the sandbox), its root page in the damaged file,
// and where it came from.
type object struct {
	Type, Name, TblName string
	SQL                 string
	Root                uint32
	From                string
	Virtual             bool // CREATE VIRTUAL TABLE: no b-tree of its own
}

// table is a table whose rows the repair recovers.
type table struct {
	object
	info master.Table
	tree *master.Tree // its pages in the metadata backup, if any
	// shadow marks a table a virtual table creates by itself (FTS
	// shadow tables): its rows are loaded, its CREATE is not run.
	shadow  bool
	damaged bool // its walk met damage, so orphans may be its
	shapes  map[int]*rowShape
	keys    *keyset
	rep     *TableReport
}

// plan is what the repair knows of the schema.
type plan struct {
	tables  []*table
	byName  map[string]*table
	byRoot  map[uint32]*table
	later   []object // indexes, views, triggers: created after the rows
	indexes []uint32 // roots of index b-trees (not WITHOUT ROWID tables)
	seqs    map[string]int64
	// internalSequence is the root of sqlite_sequence in the damaged
	// file, whose rows are read to restore AUTOINCREMENT counters.
	internalSequence uint32
	// rejected lists SQL that SQLite did not accept, and objects dropped
	// for other reasons.
	rejected []string
}

// candidateRow is one sqlite_master row as either source gives it.
type candidateRow struct {
	Type, Name, TblName, SQL string
	Root                     uint32
	From                     string
}

// buildPlan merges the file's sqlite_master rows with the metadata
// backup's. For an object the backup knows, the backup's row is tried
// first (page 1 may be stale, torn or garbled); the file's row is the
// fallback when the backup's SQL is refused, and the only source for
// objects created after the backup was taken.
func buildPlan(ctx context.Context, sb *sandbox, fileRows []btree.SchemaRow, meta *master.Meta) (*plan, error) {
	p := &plan{byName: map[string]*table{}, byRoot: map[uint32]*table{}, seqs: map[string]int64{}}
	var order []string
	alts := map[string][]candidateRow{}
	add := func(c candidateRow) {
		key := strings.ToLower(c.Name)
		if _, ok := alts[key]; !ok {
			order = append(order, key)
		}
		alts[key] = append(alts[key], c)
	}
	if meta != nil {
		for _, r := range meta.Schema {
			add(candidateRow{r.Type, r.Name, r.TblName, r.SQL, r.RootPage, SchemaFromMeta})
		}
		for _, s := range meta.Sequences {
			p.seqs[s.Name] = s.Seq
		}
	}
	for _, r := range fileRows {
		if r.Name == "" || r.RootPage < 0 || r.RootPage > 1<<32-2 {
			continue
		}
		add(candidateRow{r.Type, r.Name, r.TblName, r.SQL, uint32(r.RootPage), SchemaFromFile})
	}

	// Tables first, in original order (a virtual table before the shadow
	// tables it creates), then everything that depends on them.
	for pass := 0; pass < 2; pass++ {
		for _, key := range order {
			cands := alts[key]
			isTable := cands[0].Type == "table"
			if (pass == 0) != isTable {
				continue
			}
			p.accept(ctx, sb, cands)
		}
	}
	return p, p.describe(ctx, sb, meta)
}

// accept takes the first candidate SQLite accepts for one object.
func (p *plan) accept(ctx context.Context, sb *sandbox, cands []candidateRow) {
	c0 := cands[0]
	if strings.HasPrefix(strings.ToLower(c0.Name), "sqlite_") {
		// Internal objects: sqlite_sequence is recreated by AUTOINCREMENT
		// tables and refilled from its rows; sqlite_stat* is regenerated
		// by ANALYZE; autoindexes come with their table's constraints.
		if c0.Type == "table" && strings.EqualFold(c0.Name, "sqlite_sequence") {
			p.internalSequence = c0.Root
		}
		if c0.Type == "index" && c0.Root > 0 {
			p.indexes = append(p.indexes, c0.Root)
		}
		return
	}
	var reasons []string
	for _, c := range cands {
		if c.Type == "table" && sb.exists(ctx, c.Name) {
			// Created already by a virtual table accepted before it.
			t := &table{object: object{Type: c.Type, Name: c.Name, TblName: c.TblName, Root: c.Root, From: c.From}, shadow: true}
			p.addTable(t)
			return
		}
		stored, err := sb.accept(ctx, c.Type, c.Name, c.SQL)
		if err != nil {
			reasons = append(reasons, c.From+": "+err.Error())
			continue
		}
		o := object{Type: c.Type, Name: c.Name, TblName: c.TblName, SQL: stored, Root: c.Root, From: c.From}
		switch c.Type {
		case "table":
			o.Virtual = strings.HasPrefix(strings.ToUpper(stored), "CREATE VIRTUAL")
			p.addTable(&table{object: o})
		case "index":
			if c.Root > 0 {
				p.indexes = append(p.indexes, c.Root)
			}
			p.later = append(p.later, o)
		default:
			p.later = append(p.later, o)
		}
		return
	}
	p.rejected = append(p.rejected, reasons...)
}

func (p *plan) addTable(t *table) {
	t.keys = newKeyset()
	t.rep = &TableReport{Name: t.Name, SchemaFrom: t.From}
	p.tables = append(p.tables, t)
	p.byName[strings.ToLower(t.Name)] = t
	if t.Root > 0 && !t.Virtual {
		p.byRoot[t.Root] = t
	}
}

// describe asks SQLite, in the sandbox where every accepted table now
// exists, how each table stores its rows, and attaches the metadata
// backup's page lists.
func (p *plan) describe(ctx context.Context, sb *sandbox, meta *master.Meta) error {
	if len(p.tables) == 0 {
		return nil // no schema survived: every row goes to lost_and_found
	}
	tables, err := sb.describeTables(ctx)
	if err != nil {
		return err
	}
	byName := map[string]master.Table{}
	for _, t := range tables {
		byName[strings.ToLower(t.Name)] = t
	}
	trees := map[string]*master.Tree{}
	if meta != nil {
		for i := range meta.Trees {
			trees[strings.ToLower(meta.Trees[i].Name)] = &meta.Trees[i]
		}
	}
	for _, t := range p.tables {
		t.info = byName[strings.ToLower(t.Name)]
		t.tree = trees[strings.ToLower(t.Name)]
	}
	return nil
}
