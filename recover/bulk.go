package recover

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dbrescue/dbrescue/bulk"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// The bulk path. SQLite creates the output and its tables as before, and
// the repair decides every row as before; but the rows of each table the
// builder can write are kept by it (sorted, spilled beyond a memory
// budget) instead of being inserted, and once every row is decided the
// table's b-tree and its indexes' are written directly into the file
// (package bulk), over the empty roots SQLite made. SQLite then reopens
// the file for what remains: indexes the builder cannot build, views,
// triggers, counters and integrity_check.
//
// The path is chosen per table, and must end in the very rows the INSERT
// path would have written:
//
//   - A row whose values SQLite would change on INSERT (a number in a
//     TEXT column, an integral real in a numeric one, text that may read
//     as a number), or refuse (NULL in a NOT NULL column), is an odd row:
//     it goes through SQLite's INSERT at once, into the table SQLite holds,
//     and the builder keeps a marker in its place. SQLite's verdict (the
//     row refused: its reject runs, as on the INSERT path) is noted.
//   - Copies of one key keep the INSERT path's outcome: the last copy
//     written that SQLite accepted wins (the keyset only lets a copy of
//     higher rank follow); an odd copy's outcome is whatever SQLite kept.
//   - Tables whose outcome depends on the order of insertion (UNIQUE
//     constraints beyond the key), whose values SQLite computes (generated
//     columns) or checks by type (STRICT), and shadow tables of virtual
//     tables take the INSERT path from the start; a WITHOUT ROWID table switches to it at its
//     first odd row (its key could change under affinity), rows kept so
//     far being inserted first.

// How a table's rows are written.
const (
	PathBulk   = "bulk"   // its b-tree built directly by package bulk
	PathInsert = "insert" // through SQLite's INSERT
)

// bulkBudget is the memory the rows kept for the builder, and the index
// entries it sorts, may take before sorted runs go to a temporary file.
const bulkBudget = 32 << 20

// bulkState is the bulk path of one repair.
type bulkState struct {
	lastT  *table // tableOf's last answer
	lastBT *bulkTable
	dir    string // where sort files go: beside the output, never the input
	budget *bulk.Budget
	enc    uint32
	tables map[string]*bulkTable // by name as the INSERT path names them
	order  []*bulkTable
	// created lists (lower case) the indexes SQLite created for the
	// builder to fill: createLater leaves them alone.
	created map[string]bool
	entries *entryWorker
	// autoVacuum is the output's mode, for reopening it.
	autoVacuum uint32
}

// bulkTable is the bulk path of one table: a table of the plan or a
// lost_and_found table.
type bulkTable struct {
	name string
	t    *table     // nil for a lost_and_found table
	lost *lostTable // set for a lost_and_found table
	path string
	why  string

	withoutRowid bool
	order        *bulk.Order // a WITHOUT ROWID table's key order
	indexes      []*bulkIndex
	// early is set while index entries are made as rows come: as long
	// as no copy of a row replaced another and SQLite holds no odd row,
	// every row kept is a row of the table. batch holds rows not yet
	// handed to the entry worker.
	early     bool
	batch     []byte
	lostBatch []byte    // lost_and_found rows not yet handed to the entry worker (queueLost)
	rules     []colRule // by record field
	shortOK   []bool    // shortOK[n]: a record of n fields may be stored as it is
	sorter    *bulk.Sorter
	seq       uint64
	nextRowid int64 // lost_and_found: the rowid SQLite would give the next row
	markers   int   // odd rows SQLite holds
	refused   []uint64
	autoinc   bool

	lastCols  []string
	lastShape *rowShape
	lastWidth int
	rec       []any
	item      []byte
	types     []uint64 // keepStored's serial types, reused
	// copyable[n] caches copiesRecord for records of n fields (0 not
	// known, 1 yes, -1 no) while the table has copyableWidth columns.
	copyable      []int8
	copyableWidth int
}

// colRule is what a record field must be for SQLite to store it
// unchanged.
type colRule struct {
	aff     master.Affinity
	notNull bool // NOT NULL, or part of a WITHOUT ROWID key
	alias   bool // the INTEGER PRIMARY KEY, stored as NULL
}

// Item layout. Rowid tables: the rowid biased so that bytes order as
// integers, the complement of the sequence number so that later copies
// come first, a kind, the record. WITHOUT ROWID tables: the complement of
// the sequence number, the kind, the record (ordered by its key).
const (
	itemRow    = 0
	itemMarker = 1
	rowidHead  = 17
	wrHead     = 9
)

// appendRowItemHead appends what a rowid table's item starts with: the
// rowid, the complement of the sequence number, the kind.
func appendRowItemHead(dst []byte, rowid int64, seq uint64, kind byte) []byte {
	dst = appendRowid(dst, rowid)
	return append(binary.BigEndian.AppendUint64(dst, ^seq), kind)
}

// appendRowid appends rowid biased so that its bytes order as the
// integers do; rowidAt reads it back.
func appendRowid(dst []byte, rowid int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(rowid)^1<<63)
}

func rowidAt(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ 1<<63) }

// planBulk decides, once the tables exist in the output, which of them
// the builder writes, and starts keeping their rows. SQLite's description
// of the tables and indexes comes from the sandbox, where every accepted
// object exists.
func (r *repairer) planBulk(ctx context.Context, sb *sandbox, autoVacuum uint32) error {
	off := ""
	if r.opts.NoBulk {
		off = "asked for (NoBulk)"
	}
	for _, t := range r.plan.tables {
		t.rep.Path, t.rep.PathWhy = PathInsert, off
	}
	if off != "" {
		return nil
	}
	enc := r.bulkEncoding()
	b := &bulkState{dir: filepath.Dir(r.opts.Output), budget: &bulk.Budget{Limit: bulkBudget}, enc: enc,
		tables: map[string]*bulkTable{}, created: map[string]bool{}, entries: newEntryWorker(enc), autoVacuum: autoVacuum}
	r.bulk = b
	r.out.divert = r.bulkKeep // lost_and_found tables, at least
	var indexes []master.Index
	if len(r.plan.tables) > 0 {
		var err error
		if _, indexes, err = sb.describeTables(ctx); err != nil {
			for _, t := range r.plan.tables {
				t.rep.PathWhy = "the schema could not be described: " + err.Error()
			}
			return nil
		}
	}
	byTable := map[string][]master.Index{}
	for _, x := range indexes {
		byTable[strings.ToLower(x.Table)] = append(byTable[strings.ToLower(x.Table)], x)
	}
	sqlOf := map[string]string{}
	for _, o := range r.plan.later {
		if o.Type == "index" {
			sqlOf[strings.ToLower(o.Name)] = o.SQL
		}
	}
	for _, t := range r.plan.tables {
		if !t.created || t.Virtual {
			continue
		}
		bt := &bulkTable{name: t.Name, t: t, path: PathBulk, early: true}
		if why := r.bulkRefuses(ctx, t, bt, byTable[strings.ToLower(t.Name)]); why != "" {
			t.rep.PathWhy = why
			continue
		}
		for _, x := range byTable[strings.ToLower(t.Name)] {
			text, ok := sqlOf[strings.ToLower(x.Name)]
			if x.Origin != "c" || !ok {
				continue
			}
			if ix := bt.indexPlan(x, b); ix != nil {
				ix.sql = text
				ix.sorter = b.indexSorter(ix)
				bt.indexes = append(bt.indexes, ix)
			}
		}
		b.add(bt)
		t.rep.Path = PathBulk
	}
	return nil
}

func (b *bulkState) add(bt *bulkTable) {
	if bt.withoutRowid {
		bt.sorter = bulk.NewSorter(bt.wrItemCompare, b.dir, b.budget)
		bt.sorter.UsePrefix(func(item []byte) (uint64, uint64) { return bt.order.Prefix(item[wrHead:]) })
	} else {
		bt.sorter = bulk.NewSorter(rowidItemCompare, b.dir, b.budget)
		bt.sorter.UsePrefix(rowidItemPrefix)
	}
	b.tables[bt.name] = bt
	b.order = append(b.order, bt)
}

// indexSorter sorts an index's entries in its order.
func (b *bulkState) indexSorter(ix *bulkIndex) *bulk.Sorter {
	s := bulk.NewSorter(ix.order.Compare, b.dir, b.budget)
	s.UsePrefix(ix.order.Prefix)
	return s
}

// bulkRefuses says why t takes the INSERT path, or "" when the builder
// writes it; it fills in bt's rules and key order.
func (r *repairer) bulkRefuses(ctx context.Context, t *table, bt *bulkTable, indexes []master.Index) string {
	info := &t.info
	switch {
	case t.shadow:
		return "a virtual table's shadow table: its module writes it"
	case info.Strict:
		return "STRICT: SQLite checks and converts types on INSERT"
	}
	for _, c := range info.Columns {
		if c.Hidden != 0 {
			return "generated columns: SQLite computes them"
		}
	}
	for _, x := range indexes {
		switch {
		case x.Origin == "pk" && info.WithoutRowid:
			order, why := keyOrder(x, r.bulkEncoding())
			if why != "" {
				return why
			}
			bt.withoutRowid, bt.order = true, order
		case x.Origin != "c":
			return "a UNIQUE or PRIMARY KEY constraint: which of two rows SQLite refuses depends on the order of insertion"
		}
	}
	if info.WithoutRowid && bt.order == nil {
		return "its PRIMARY KEY could not be read"
	}
	bt.rules, bt.shortOK = recordRules(info)
	if !info.WithoutRowid {
		bt.autoinc = r.out.autoincrement(ctx, t.Name)
	}
	return ""
}

// bulkEncoding is the output's text encoding, as openOutput sets it.
func (r *repairer) bulkEncoding() uint32 {
	if r.geo.Encoding == pagefile.EncodingUTF16LE || r.geo.Encoding == pagefile.EncodingUTF16BE {
		return r.geo.Encoding
	}
	return pagefile.EncodingUTF8
}

// keyOrder is the order of a WITHOUT ROWID table's b-tree, from its
// PRIMARY KEY index. Only BINARY keys are written directly: under NOCASE
// or RTRIM, keys the repair tells apart can be one key to SQLite, and
// which row it then refuses depends on the order of insertion.
func keyOrder(x master.Index, enc uint32) (*bulk.Order, string) {
	o := &bulk.Order{Encoding: enc}
	for _, c := range x.Columns {
		if !c.Key {
			break
		}
		if coll, ok := bulk.ParseCollation(c.Coll); !ok || coll != bulk.Binary {
			return nil, fmt.Sprintf("its PRIMARY KEY has collation %s: keys that differ may be one key to SQLite", c.Coll)
		}
		o.Fields = append(o.Fields, bulk.Field{Desc: c.Desc})
	}
	o.Unique = len(o.Fields)
	if len(o.Fields) == 0 {
		return nil, "its PRIMARY KEY has no column"
	}
	return o, ""
}

// recordRules derives, for each record field of the table, what its value
// must be for SQLite to store it unchanged, and for each record width
// whether a record that short may be stored as it is: every column it
// lacks must read as SQLite would have stored it (no DEFAULT, or a literal
// one SQLite stores unchanged) and accept that value.
func recordRules(info *master.Table) ([]colRule, []bool) {
	rules := make([]colRule, len(info.RecordOrder))
	missingOK := make([]bool, len(info.RecordOrder))
	for i, ci := range info.RecordOrder {
		c := info.Columns[ci]
		rules[i] = colRule{aff: c.Affinity, notNull: c.NotNull || (info.WithoutRowid && c.PK > 0), alias: ci == info.RowidAlias}
		if rules[i].alias {
			missingOK[i] = true // read as the rowid
			continue
		}
		v, ok := columnDefault(c)
		missingOK[i] = ok && rules[i].accepts(v)
	}
	shortOK := make([]bool, len(info.RecordOrder)+1)
	shortOK[len(info.RecordOrder)] = true
	for n := len(info.RecordOrder) - 1; n >= 0; n-- {
		shortOK[n] = shortOK[n+1] && missingOK[n]
	}
	return rules, shortOK
}

// tableOf is tables[t.Name], remembered for the next row of the same
// table: keepStored asks it for every row.
func (b *bulkState) tableOf(t *table) *bulkTable {
	if b.lastT != t || b.lastBT == nil {
		b.lastT, b.lastBT = t, b.tables[t.Name]
	}
	return b.lastBT
}

// lostByName finds a lost_and_found table by name.
func (r *repairer) lostByName(name string) *lostTable {
	for _, lt := range r.lostOrder {
		if lt.name == name {
			return lt
		}
	}
	return nil
}

// describe names the path of every table in the report.
func (b *bulkState) describe() {
	for _, bt := range b.order {
		switch {
		case bt.t != nil:
			bt.t.rep.Path, bt.t.rep.PathWhy = bt.path, bt.why
		case bt.lost != nil:
			bt.lost.rep.Path = bt.path
		}
	}
}

// close stops the entry worker and releases every sorter, whether the
// repair finished or failed; a nil state is a repair without a bulk path.
func (b *bulkState) close() {
	if b == nil {
		return
	}
	_ = b.entries.stop()
	for _, bt := range b.order {
		bt.sorter.Close()
		for _, ix := range bt.indexes {
			if ix.sorter != nil {
				ix.sorter.Close()
			}
		}
	}
}
