package recover

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// Where a schema object came from.
const (
	SchemaFromFile     = "file"
	SchemaFromMeta     = "meta"
	SchemaFromCarved   = "carved"   // a deleted sqlite_master row found in free space
	SchemaFromRepaired = "repaired" // a garbled CREATE text, its head rebuilt
	SchemaFromInferred = "inferred" // no schema row left: from an index naming the table, and the records
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
	// module is a virtual table's module (lower case); schemaRow marks
	// one this SQLite cannot create, written as its sqlite_master row.
	module    string
	schemaRow bool
	meta      *metaEvidence
}

// table is a table whose rows the repair recovers.
type table struct {
	object
	info master.Table
	// trees are its page lists in the usable metadata backups, newest
	// first (empty when none lists it).
	trees []listing
	// shadow marks a table a virtual table creates by itself (FTS
	// shadow tables): its rows are loaded, its CREATE is not run.
	shadow bool
	// created is false when SQLite refused to create it in the output:
	// no row can go there.
	created bool
	// rebuilt marks an FTS5 index shadow table whose content SQLite
	// regenerated from the table's content: what it lost does not count.
	rebuilt bool
	// incomplete is set when the table is known to have lost pages (its
	// walk met damage, its root is gone, pages it owned are destroyed):
	// orphans may then be its.
	incomplete bool
	// spaceErrors lists leaves of its tree whose space accounting does
	// not add up: cells may be missing or overlapping.
	spaceErrors []error
	// lostByMeta counts rows the metadata backups' cell counts say are
	// lost; lostByIndex the rowids its indexes list that no page holds,
	// exactly so when fullIndex (an index that is not partial) was
	// compared.
	lostByMeta, lostByIndex int
	fullIndex               bool
	shapes                  map[int]*rowShape
	keys                    *keyset
	rep                     *TableReport
}

// listing is a table's pages in one metadata backup; counts says whether
// that backup records cell and entry counts (format 2 and later).
type listing struct {
	*master.Tree
	counts bool
}

// entries is the number of rows the backup records for the table, -1 when
// it records none.
func (l listing) entries() int64 {
	if !l.counts {
		return -1
	}
	return l.Entries
}

// plan is what the repair knows of the schema.
type plan struct {
	tables  []*table
	byName  map[string]*table
	byRoot  map[uint32]*table
	later   []object        // indexes, views, triggers: created after the rows
	indexes map[string]bool // names (lower case) of index b-trees, WITHOUT ROWID tables excluded
	partial map[string]bool // names (lower case) of partial indexes
	// described is SQLite's description of every index the accepted
	// tables and indexes make, the PRIMARY KEY of a WITHOUT ROWID table
	// and the indexes of UNIQUE constraints included.
	described []master.Index
	// indexRoots marks the root pages the accepted index rows give.
	indexRoots map[uint32]bool
	seqs       map[string]int64
	// internalSequence is the root of sqlite_sequence in the damaged
	// file, whose rows are read to restore AUTOINCREMENT counters.
	internalSequence uint32
	// rejected lists SQL that SQLite did not accept, and objects dropped
	// for other reasons; notes, what was worked around.
	rejected []string
	notes    []string
	// width returns how many fields the records of the tree at a root
	// have (0: unknown), for rebuilding a garbled CREATE.
	width func(root uint32) int
}

// candidateRow is one sqlite_master row as one source gives it.
type candidateRow struct {
	Type, Name, TblName, SQL string
	Root                     uint32
	From                     string
	meta                     *metaEvidence
}

// buildPlan decides every schema object from the best evidence for it: the
// file's own sqlite_master row when SQLite accepts it (or, when its CREATE
// text is garbled, the text with its head rebuilt), else the newest usable
// metadata backup that has the object (metas come newest first), else a
// deleted sqlite_master row carved from free space, when the b-tree it
// names is an orphan tree (orphanRoot) or it is a view or trigger of a
// table so carved. A metadata backup thus fills only what the file lost,
// and never overrides an intact row.
func buildPlan(ctx context.Context, sb *sandbox, fileRows []btree.SchemaRow, metas []*metaEvidence, carved []btree.SchemaRow, orphanRoot map[uint32]bool, width func(uint32) int) (*plan, error) {
	p := &plan{byName: map[string]*table{}, byRoot: map[uint32]*table{}, seqs: map[string]int64{}, indexes: map[string]bool{}, partial: map[string]bool{}, indexRoots: map[uint32]bool{}, width: width}
	var order []string
	alts := map[string][]candidateRow{}
	add := func(c candidateRow) {
		key := strings.ToLower(c.Name)
		if _, ok := alts[key]; !ok {
			order = append(order, key)
		}
		alts[key] = append(alts[key], c)
	}
	for _, r := range fileRows {
		if r.Name == "" || r.RootPage < 0 || r.RootPage > 1<<32-2 {
			continue
		}
		add(candidateRow{r.Type, r.Name, r.TblName, r.SQL, uint32(r.RootPage), SchemaFromFile, nil})
	}
	for i := len(metas) - 1; i >= 0; i-- {
		// Oldest first, so that newer backups' values win below.
		for _, s := range metas[i].m.Sequences {
			p.seqs[s.Name] = max(p.seqs[s.Name], s.Seq)
		}
	}
	for _, e := range metas {
		for _, r := range e.m.Schema {
			add(candidateRow{r.Type, r.Name, r.TblName, r.SQL, r.RootPage, SchemaFromMeta, e})
		}
	}
	carvedTables := map[string]bool{}
	for _, r := range carved {
		if (r.Type == "table" || r.Type == "index") && orphanRoot[uint32(r.RootPage)] {
			add(candidateRow{r.Type, r.Name, r.TblName, r.SQL, uint32(r.RootPage), SchemaFromCarved, nil})
			if r.Type == "table" {
				carvedTables[strings.ToLower(r.Name)] = true
			}
		}
	}
	for _, r := range carved {
		if (r.Type == "view" || r.Type == "trigger") && carvedTables[strings.ToLower(r.TblName)] {
			add(candidateRow{r.Type, r.Name, r.TblName, r.SQL, 0, SchemaFromCarved, nil})
		}
	}

	// Tables first, in original order (a virtual table before the shadow
	// tables it creates), then everything that depends on them.
	for pass := 0; pass < 2; pass++ {
		for _, key := range order {
			cands := alts[key]
			if (pass == 0) != (cands[0].Type == "table") {
				continue
			}
			p.accept(ctx, sb, cands)
		}
	}
	return p, nil
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
		if c0.Type == "index" {
			p.indexes[strings.ToLower(c0.Name)] = true
		}
		return
	}
	var reasons []string
	for _, c := range cands {
		if c.Type == "table" && sb.exists(ctx, c.Name) {
			// Created already by a virtual table accepted before it.
			p.addTable(&table{object: object{Type: c.Type, Name: c.Name, TblName: c.TblName, Root: c.Root, From: c.From, meta: c.meta}, shadow: true})
			return
		}
		stored, err := sb.accept(ctx, c.Type, c.Name, c.SQL)
		if module, ok := schemaRowVTab(c.Name, c.SQL); err != nil && c.Type == "table" && ok {
			// A module this SQLite lacks: written as a schema row.
			o := object{Type: c.Type, Name: c.Name, TblName: c.TblName, SQL: c.SQL, From: c.From, meta: c.meta,
				Virtual: true, module: module, schemaRow: true}
			p.addTable(&table{object: o})
			return
		}
		if err != nil {
			reasons = append(reasons, c.From+": "+err.Error())
			continue
		}
		o := object{Type: c.Type, Name: c.Name, TblName: c.TblName, SQL: stored, Root: c.Root, From: c.From, meta: c.meta}
		if c.meta != nil {
			c.meta.rep.Objects++
		}
		switch c.Type {
		case "table":
			o.Virtual = strings.HasPrefix(strings.ToUpper(stored), "CREATE VIRTUAL")
			if o.Virtual {
				o.module = vtabModule(stored)
			}
			p.addTable(&table{object: o})
		case "index":
			p.indexes[strings.ToLower(c.Name)] = true
			if c.Root > 0 {
				p.indexRoots[c.Root] = true
			}
			p.later = append(p.later, o)
		default:
			p.later = append(p.later, o)
		}
		return
	}
	if c0.Type == "index" {
		p.indexes[strings.ToLower(c0.Name)] = true // still an index b-tree, whatever its SQL
	}
	if c0.Type == "table" && c0.From == SchemaFromFile {
		// The row survives, its text does not parse: rebuild it.
		if stored, ok := repairCreate(ctx, sb, c0.Name, c0.SQL, p.width(c0.Root)); ok {
			p.addTable(&table{object: object{Type: "table", Name: c0.Name, TblName: c0.Name, SQL: stored, Root: c0.Root, From: SchemaFromRepaired}})
			p.notes = append(p.notes, fmt.Sprintf("the CREATE text of table %q was garbled; rebuilt as: %s", c0.Name, stored))
			return
		}
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
// backups' page lists.
func (p *plan) describe(ctx context.Context, sb *sandbox, metas []*metaEvidence) error {
	if len(p.tables) == 0 {
		return nil // no schema survived: every row goes to lost_and_found
	}
	tables, indexes, err := sb.describeTables(ctx)
	if err != nil {
		return err
	}
	p.described = indexes
	for _, x := range indexes {
		if x.Partial {
			p.partial[strings.ToLower(x.Name)] = true
		}
	}
	byName := map[string]master.Table{}
	for _, t := range tables {
		byName[strings.ToLower(t.Name)] = t
	}
	for _, t := range p.tables {
		key := strings.ToLower(t.Name)
		t.info = byName[key]
		for _, e := range metas {
			if tr := e.trees[key]; tr != nil {
				t.trees = append(t.trees, listing{Tree: tr, counts: e.m.Counts})
			}
		}
	}
	return nil
}

// extendable reports whether records wider than t may add columns to it:
// only when its schema came from a metadata backup, which can predate an
// ALTER TABLE ADD COLUMN. A table the file itself describes is exact.
func (t *table) extendable() bool {
	return t.From == SchemaFromMeta && !t.info.WithoutRowid && !t.info.Strict
}

// String names the table for messages.
func (t *table) String() string { return fmt.Sprintf("%q", t.Name) }
