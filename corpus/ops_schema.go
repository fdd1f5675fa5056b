package corpus

import (
	"bytes"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
)

// Schema damage: page 1 and the sqlite_master rows are what SQLite reads
// first, and one bad row there makes it refuse the whole file.
func registerSchemaKinds() {
	register(KindInfo{Kind: SchemaSQLGarbled, Summary: "overwrite part of one table's CREATE TABLE text in sqlite_master; SQLite refuses the schema"}, schemaSQLGarbled)
	register(KindInfo{Kind: SchemaRowDeleted, Summary: "delete one table's sqlite_master row (and its indexes' and triggers'); its pages become orphans"}, schemaRowDeleted)
}

// schemaSQL is where one table's CREATE text is stored.
type schemaSQL struct {
	name  string
	pgno  uint32
	start int // page offset of the first byte of the text
	size  int // bytes of the text stored on the page (the rest may spill)
}

// schemaTexts finds the CREATE TABLE text of every application table in
// sqlite_master, as bytes on the page that holds its cell.
func (o *op) schemaTexts() []schemaSQL {
	r := btree.ReaderFor(o.im.file)
	var out []schemaSQL
	cells := &cellCache{r: r}
	_, _ = r.Walk(btree.SchemaRoot, func(e *btree.Entry) error {
		vals, err := r.Record(e.Payload)
		if err != nil || len(vals) < 5 || vals[0] != "table" {
			return nil
		}
		name, _ := vals[1].(string)
		if !(&Tree{Type: "table", Name: name}).UserTable() {
			return nil
		}
		c, err := cells.cell(e.Pgno, e.Cell)
		if err != nil {
			return nil
		}
		types, pos, err := btree.RecordHeader(e.Payload)
		if err != nil || len(types) < 5 {
			return nil
		}
		for _, t := range types[:4] {
			pos += int(btree.SerialTypeSize(t))
		}
		size := int(btree.SerialTypeSize(types[4]))
		localStart := c.Offset + c.Size - len(c.Local)
		if c.Overflow != 0 {
			localStart -= 4
		}
		size = min(size, len(c.Local)-pos)
		if size > 0 {
			out = append(out, schemaSQL{name: name, pgno: e.Pgno, start: localStart + pos, size: size})
		}
		return nil
	})
	return out
}

// schemaSQLGarbled overwrites 8 to 24 bytes near the start of the CREATE
// text (within its first 7 bytes, so the CREATE keyword is always hit and
// the text can never parse) with random printable characters, each
// different from the byte it replaces. The record keeps its length, so the
// row still decodes: only its SQL is wrong.
func schemaSQLGarbled(o *op) error {
	var texts []schemaSQL
	for _, t := range o.schemaTexts() {
		if t.size >= 16 {
			texts = append(texts, t)
		}
	}
	if len(texts) == 0 {
		return noTarget("no CREATE TABLE text stored on a page")
	}
	t := pick(o.rng, texts)
	from := o.rng.IntN(7)
	n := min(8+o.rng.IntN(17), t.size-from)
	page := o.im.page(t.pgno)
	orig := bytes.Clone(page[t.start+from : t.start+from+n])
	for i := range n {
		c := orig[i]
		for c == orig[i] {
			c = byte('!' + o.rng.IntN('~'-'!'+1))
		}
		page[t.start+from+i] = c
	}
	o.dmg.Targets = []uint32{t.pgno}
	o.dmg.Summary = fmt.Sprintf("CREATE text of table %s garbled: %d bytes from byte %d of the text, on page %d", t.name, n, from, t.pgno)
	return nil
}

// schemaRowDeleted deletes, with SQLite on a scratch copy
// (PRAGMA writable_schema), every sqlite_master row of one application
// table: the table's own and those of its indexes and triggers, so that
// nothing left refers to it and SQLite opens the file without it. The
// changed sqlite_master pages are spliced into the output; the table's
// b-tree pages stay where they were, reachable from nothing.
func schemaRowDeleted(o *op) error {
	master := o.layout().tree("sqlite_master")
	users := o.layout().userTrees()
	if len(users) == 0 || master == nil {
		return noTarget("no application table in sqlite_master")
	}
	tr := pick(o.rng, users)
	pages := []uint32{1}
	for _, v := range master.Pages {
		if v.Pgno != 1 {
			pages = append(pages, v.Pgno)
		}
	}
	images, err := o.pagesAfterSQL([]string{
		`PRAGMA writable_schema = ON`,
		fmt.Sprintf(`DELETE FROM sqlite_master WHERE tbl_name = %s`, quoteString(tr.Name)),
	}, pages)
	if err != nil {
		return err
	}
	for _, pg := range pages {
		if dst := o.im.page(pg); dst != nil && !bytes.Equal(dst, images[pg]) {
			copy(dst, images[pg])
			o.dmg.Targets = append(o.dmg.Targets, pg)
		}
	}
	o.dmg.Summary = fmt.Sprintf("sqlite_master rows of table %s (root page %d) and of its indexes and triggers deleted", tr.Name, tr.Root)
	return nil
}
