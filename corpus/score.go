package corpus

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dbrescue/dbrescue/internal/sqlitero"
)

// Scorecard is how a repaired database compares with the truth, table by
// table.
//
// The rules, per original table T and original row O (key: rowid, or the
// PRIMARY KEY of a WITHOUT ROWID table):
//
//   - Exact: the repaired database has a table named T (case-insensitive)
//     holding a row with O's key whose every column of T, matched by name,
//     is identical to O's: same type and same value (integer 1, real 1.0,
//     text '1' and blob x'31' all differ; NULL equals only NULL). The key of
//     a repaired row is its INTEGER PRIMARY KEY column when T has one, else
//     its rowid, or T's PRIMARY KEY columns for WITHOUT ROWID. Columns the
//     repaired table has beyond T's are ignored.
//   - Anywhere: O is exact, or its values appear in some repaired row not
//     already matched, in any table: T itself, another table, or a
//     lost_and_found table. A row's values are its columns in T's
//     declaration order with the INTEGER PRIMARY KEY column holding the
//     rowid, trailing NULLs dropped. A repaired row offers its columns in
//     table order, except in a table whose name starts with
//     "lost_and_found": there the data columns are those named c0, c1, ...
//     in numeric order and every other column is provenance. Two
//     relaxations: a row stored before an ALTER TABLE ADD COLUMN matches
//     with or without the added columns' defaults (its record does not hold
//     them), and in a lost_and_found table that has an "id" column the
//     INTEGER PRIMARY KEY field may be NULL (as the record stores it) when
//     "id" equals O's rowid, which is how SQLite's .recover writes it. The
//     rowid of a table without an INTEGER PRIMARY KEY is not compared.
//   - Altered: a repaired row in table T whose key is an original row's and
//     whose values differ from it.
//   - Invented: a repaired row in table T whose key is no original row's.
//   - Duplicates: a repaired row in table T identical to an original row
//     that another repaired row already matched exactly.
//   - Dropped (given the Damage): O's bytes survived, yet O is found
//     nowhere: not exact, not anywhere. A repair must never drop a row.
//   - Ceiling (given the Damage): O's bytes survived the corruption: its
//     cell and the used part of each of its overflow pages are unchanged
//     where they were, as read with the WAL overlaid. CeilingPages is the
//     page-level version: no page holding them changed at all. A row whose
//     bytes moved (swap-pages) counts as destroyed; a repair can find it
//     and exceed the ceiling, which then says the measure is positional.
//
// No double counting: each original row is matched at most once and each
// repaired row serves at most one original row. Exact matches are made
// first, across all tables; then anywhere matches, in table order and key
// order.
type Scorecard struct {
	Tables []TableScore `json:"tables"`
	Total  TableScore   `json:"total"`
	// Extra lists tables of the repaired database that are not tables of
	// the original (lost_and_found ones, for instance).
	Extra []ExtraTable `json:"extra_tables,omitempty"`
	// HasCeiling is true when a Damage was given.
	HasCeiling bool `json:"has_ceiling"`
}

// TableScore is one original table's score; in Scorecard.Total, the sums.
type TableScore struct {
	Table    string `json:"table"`
	Original int    `json:"original"`
	Exact    int    `json:"exact"`
	Anywhere int    `json:"anywhere"`
	// Repaired counts the rows read from the repaired table of that name.
	Repaired     int  `json:"repaired"`
	Altered      int  `json:"altered"`
	Invented     int  `json:"invented"`
	Duplicates   int  `json:"duplicates"`
	Ceiling      int  `json:"ceiling"`
	CeilingPages int  `json:"ceiling_pages"`
	Dropped      int  `json:"dropped"`
	Missing      bool `json:"missing,omitempty"` // the repaired database has no such table
	// Error is why reading the repaired table stopped early, if it did.
	Error string `json:"error,omitempty"`
}

// Recall is Exact / Original (1 for an empty table).
func (t TableScore) Recall() float64 { return ratio(t.Exact, t.Original) }

// AnywhereRecall is Anywhere / Original.
func (t TableScore) AnywhereRecall() float64 { return ratio(t.Anywhere, t.Original) }

// CeilingRecall is Ceiling / Original.
func (t TableScore) CeilingRecall() float64 { return ratio(t.Ceiling, t.Original) }

func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}

// ExtraTable is a repaired table with no original counterpart.
type ExtraTable struct {
	Table   string `json:"table"`
	Rows    int    `json:"rows"`
	Matched int    `json:"matched"` // rows that served an original row
	Error   string `json:"error,omitempty"`
}

// Score compares the database at repairedPath with the truth, by the rules
// on Scorecard. damage may be nil; the ceiling is then not computed. The
// repaired database is opened for reading with sqlitero, which leaves its
// directory as found; a table SQLite cannot read to the end is scored on
// the rows it returned, with the error noted.
func Score(ctx context.Context, truth *Truth, repairedPath string, damage *Damage) (*Scorecard, error) {
	return scoreWith(ctx, truth, repairedPath, damage, sqlitero.Options{})
}

// scoreWith is Score, the repaired database opened with ro.
func scoreWith(ctx context.Context, truth *Truth, repairedPath string, damage *Damage, ro sqlitero.Options) (*Scorecard, error) {
	if _, err := os.Stat(repairedPath); err != nil {
		return nil, err
	}
	db, err := sqlitero.Open(ctx, repairedPath, ro)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	repaired, err := readRepaired(ctx, db.DB)
	if err != nil {
		return nil, fmt.Errorf("corpus: scoring %s: %w", repairedPath, err)
	}
	return score(truth, repaired, damage), nil
}

// repairedTable is one table of the repaired database, read whole.
type repairedTable struct {
	name     string
	cols     []string
	byName   map[string]int // lower-case column name → index
	hasRowid bool
	data     []int // columns offered for anywhere matching, in order
	idCol    int   // lost_and_found "id" column, or -1
	rows     []repairedRow
	err      error
}

type repairedRow struct {
	rowid int64
	vals  []any
	used  bool
}

var lostAndFoundColumn = regexp.MustCompile(`^c([0-9]+)$`)

func readRepaired(ctx context.Context, db *sql.DB) ([]*repairedTable, error) {
	entries, err := listTables(ctx, db)
	if err != nil {
		return nil, err
	}
	var tables []*repairedTable
	for _, e := range entries {
		t := &repairedTable{name: e.name, hasRowid: !e.withoutRowid, idCol: -1}
		tables = append(tables, t)
		cols, err := tableColumns(ctx, db, t.name)
		if err != nil {
			t.err = err
			continue
		}
		t.setColumns(cols)
		got, err := readRows(ctx, db, t.name, t.cols, t.hasRowid, "")
		for _, r := range got {
			t.rows = append(t.rows, repairedRow{rowid: r.Rowid, vals: r.Values})
		}
		t.err = err
	}
	return tables, nil
}

func (t *repairedTable) setColumns(cols []column) {
	t.byName = map[string]int{}
	laf := strings.HasPrefix(strings.ToLower(t.name), "lost_and_found")
	type numbered struct{ n, idx int }
	var cn []numbered
	for i, c := range cols {
		t.cols = append(t.cols, c.name)
		t.byName[strings.ToLower(c.name)] = i
		if !laf {
			t.data = append(t.data, i)
			continue
		}
		if m := lostAndFoundColumn.FindStringSubmatch(strings.ToLower(c.name)); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				n = math.MaxInt // too many digits: last
			}
			cn = append(cn, numbered{n, i})
		} else if strings.EqualFold(c.name, "id") {
			t.idCol = i
		}
	}
	sort.Slice(cn, func(a, b int) bool { return cn[a].n < cn[b].n })
	for _, c := range cn {
		t.data = append(t.data, c.idx)
	}
}

// keyOf is a repaired row's key for original table o, and whether it has one.
func (t *repairedTable) keyOf(o *TableTruth, r *repairedRow) (string, bool) {
	if o.WithoutRowid {
		k := make([]any, len(o.PK))
		for i, c := range o.PK {
			j, ok := t.byName[strings.ToLower(o.Columns[c])]
			if !ok {
				return "", false
			}
			k[i] = r.vals[j]
		}
		return valuesKey(k), true
	}
	if o.IPK >= 0 {
		if j, ok := t.byName[strings.ToLower(o.Columns[o.IPK])]; ok {
			return valuesKey([]any{r.vals[j]}), true
		}
	}
	return valuesKey([]any{r.rowid}), t.hasRowid
}

// identical reports whether repaired row r holds exactly original row o's
// values in every column of table ot.
func (t *repairedTable) identical(ot *TableTruth, o *Row, r *repairedRow) bool {
	for i, name := range ot.Columns {
		j, ok := t.byName[strings.ToLower(name)]
		if !ok || !sameValue(o.Values[i], r.vals[j]) {
			return false
		}
	}
	return true
}

// signature hashes a list of values for anywhere matching; prefix tells
// the plain signature from the "id"-qualified one.
type signature [sha256.Size]byte

func sign(prefix []any, vals []any) signature {
	return sha256.Sum256([]byte(valuesKey(prefix) + "\x00" + valuesKey(trimNulls(vals))))
}

// signatures are the ways original row o may appear in a repaired row.
func (ot *TableTruth) signatures(o *Row) []signature {
	variants := [][]any{o.Values}
	if o.Stored > 0 && o.Stored < len(o.Values) {
		variants = append(variants, o.Values[:o.Stored])
	}
	var out []signature
	for _, v := range variants {
		out = append(out, sign(nil, v))
	}
	if ot.IPK >= 0 {
		for _, v := range variants {
			w := append([]any(nil), v...)
			w[ot.IPK] = nil
			out = append(out, sign([]any{o.Rowid}, w))
		}
	}
	return out
}

// signatures are the ways repaired row r may match an original row.
func (t *repairedTable) signatures(r *repairedRow) []signature {
	vals := make([]any, len(t.data))
	for i, c := range t.data {
		vals[i] = r.vals[c]
	}
	out := []signature{sign(nil, vals)}
	if t.idCol >= 0 {
		out = append(out, sign([]any{r.vals[t.idCol]}, vals))
	}
	return out
}

type rowRef struct{ table, row int }

func score(truth *Truth, repaired []*repairedTable, damage *Damage) *Scorecard {
	sc := &Scorecard{HasCeiling: damage != nil}
	byName := map[string]int{}
	for i, t := range repaired {
		if _, dup := byName[strings.ToLower(t.name)]; !dup {
			byName[strings.ToLower(t.name)] = i
		}
	}
	exact := make([][]bool, len(truth.Tables))
	survived := make([][]bool, len(truth.Tables))
	claimed := map[int]bool{}
	for ti, ot := range truth.Tables {
		ts := TableScore{Table: ot.Name, Original: len(ot.Rows)}
		exact[ti] = make([]bool, len(ot.Rows))
		ri, ok := byName[strings.ToLower(ot.Name)]
		if !ok {
			ts.Missing = true
		} else {
			claimed[ri] = true
			matchRight(ot, repaired[ri], exact[ti], &ts)
		}
		if damage != nil {
			survived[ti] = make([]bool, len(ot.Rows))
			ts.Ceiling, ts.CeilingPages = ceiling(ot, damage, survived[ti])
		}
		sc.Tables = append(sc.Tables, ts)
	}
	found := matchAnywhere(truth, repaired, exact, sc)
	for ti := range truth.Tables {
		for oi, ok := range survived[ti] {
			if ok && !found[ti][oi] {
				sc.Tables[ti].Dropped++
			}
		}
	}
	for i, t := range repaired {
		if claimed[i] {
			continue
		}
		et := ExtraTable{Table: t.name, Rows: len(t.rows), Error: errString(t.err)}
		for _, r := range t.rows {
			if r.used {
				et.Matched++
			}
		}
		sc.Extra = append(sc.Extra, et)
	}
	sc.Total = TableScore{Table: "total"}
	for _, ts := range sc.Tables {
		sc.Total.add(ts)
	}
	return sc
}

// matchRight classifies every row of the repaired table named like ot.
func matchRight(ot *TableTruth, rt *repairedTable, exact []bool, ts *TableScore) {
	ts.Repaired, ts.Error = len(rt.rows), errString(rt.err)
	orig := make(map[string]int, len(ot.Rows))
	for i := range ot.Rows {
		orig[ot.key(&ot.Rows[i])] = i
	}
	for k := range rt.rows {
		r := &rt.rows[k]
		key, ok := rt.keyOf(ot, r)
		oi, found := orig[key]
		switch {
		case !ok || !found:
			ts.Invented++
		case !rt.identical(ot, &ot.Rows[oi], r):
			ts.Altered++
		case exact[oi]:
			ts.Duplicates++
		default:
			exact[oi], r.used = true, true
			ts.Exact++
		}
	}
}

// matchAnywhere counts, for every original row, an exact match or a
// repaired row not yet used whose values carry it, and returns which
// original rows were found so.
func matchAnywhere(truth *Truth, repaired []*repairedTable, exact [][]bool, sc *Scorecard) [][]bool {
	found := make([][]bool, len(truth.Tables))
	index := map[signature][]rowRef{}
	for ti, t := range repaired {
		for ri := range t.rows {
			if t.rows[ri].used {
				continue
			}
			for _, s := range t.signatures(&t.rows[ri]) {
				index[s] = append(index[s], rowRef{ti, ri})
			}
		}
	}
	take := func(s signature) bool {
		refs := index[s]
		for len(refs) > 0 {
			r := &repaired[refs[0].table].rows[refs[0].row]
			refs = refs[1:]
			if !r.used {
				r.used = true
				index[s] = refs
				return true
			}
		}
		index[s] = refs
		return false
	}
	for ti, ot := range truth.Tables {
		ts := &sc.Tables[ti]
		found[ti] = make([]bool, len(ot.Rows))
		for oi := range ot.Rows {
			if exact[ti][oi] {
				ts.Anywhere++
				found[ti][oi] = true
				continue
			}
			for _, s := range ot.signatures(&ot.Rows[oi]) {
				if take(s) {
					ts.Anywhere++
					found[ti][oi] = true
					break
				}
			}
		}
	}
	return found
}

// ceiling counts the rows of ot whose bytes, and whose pages, survived,
// and marks in survived the rows whose bytes did.
func ceiling(ot *TableTruth, d *Damage, survived []bool) (bytesOK, pagesOK int) {
	for i, r := range ot.Rows {
		if len(r.Extents) == 0 {
			continue
		}
		b, p := true, true
		for _, e := range r.Extents {
			if pd := d.pageDamage(e.Pgno); pd != nil {
				p = false
				if pd.touches(e.Offset, e.Size) {
					b = false
				}
			}
		}
		if b {
			bytesOK++
			survived[i] = true
		}
		if p {
			pagesOK++
		}
	}
	return bytesOK, pagesOK
}

func (t *TableScore) add(o TableScore) {
	t.Original += o.Original
	t.Exact += o.Exact
	t.Anywhere += o.Anywhere
	t.Repaired += o.Repaired
	t.Altered += o.Altered
	t.Invented += o.Invented
	t.Duplicates += o.Duplicates
	t.Ceiling += o.Ceiling
	t.CeilingPages += o.CeilingPages
	t.Dropped += o.Dropped
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
