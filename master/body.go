package master

import (
	"github.com/dbrescue/dbrescue/pagefile"
)

// encodeBody serialises everything but the fingerprint, in the order
// documented in doc.go.
func encodeBody(m *Meta) []byte {
	e := &encoder{}
	e.int(m.CapturedAt)
	e.str(m.Source)
	e.str(m.SQLiteVersion)
	e.bool(m.SchemaOnly)
	e.str(m.PagesReadFrom)
	h := &m.Header
	for _, v := range []uint64{uint64(h.PageSize), uint64(h.ReservedBytes), uint64(h.TextEncoding), uint64(h.AutoVacuum),
		uint64(h.UserVersion), uint64(h.ApplicationID), uint64(h.SchemaCookie), uint64(h.FileChangeCounter),
		uint64(h.PageCount), uint64(h.FreelistCount)} {
		e.uint(v)
	}
	e.str(h.JournalMode)
	e.uint(uint64(len(m.Schema)))
	for _, r := range m.Schema {
		e.str(r.Type)
		e.str(r.Name)
		e.str(r.TblName)
		e.uint(uint64(r.RootPage))
		e.str(r.SQL)
	}
	e.uint(uint64(len(m.Sequences)))
	for _, s := range m.Sequences {
		e.str(s.Name)
		e.int(s.Seq)
	}
	e.uint(uint64(len(m.Tables)))
	for _, t := range m.Tables {
		e.str(t.Name)
		e.bool(t.WithoutRowid)
		e.bool(t.Strict)
		e.int(int64(t.RowidAlias))
		e.uint(uint64(len(t.Columns)))
		for _, c := range t.Columns {
			e.str(c.Name)
			e.str(c.DeclType)
			e.uint(uint64(c.Affinity))
			e.bool(c.NotNull)
			e.bool(c.HasDefault)
			e.str(c.Default)
			e.uint(uint64(c.PK))
			e.uint(uint64(c.Hidden))
		}
		e.uint(uint64(len(t.RecordOrder)))
		for _, i := range t.RecordOrder {
			e.uint(uint64(i))
		}
	}
	e.uint(uint64(len(m.Indexes)))
	for _, ix := range m.Indexes {
		e.str(ix.Name)
		e.str(ix.Table)
		e.bool(ix.Unique)
		e.str(ix.Origin)
		e.bool(ix.Partial)
		e.uint(uint64(len(ix.Columns)))
		for _, c := range ix.Columns {
			e.int(int64(c.Cid))
			e.str(c.Name)
			e.bool(c.Desc)
			e.str(c.Coll)
			e.bool(c.Key)
		}
	}
	e.bool(m.Counts)
	e.uint(uint64(len(m.Trees)))
	for i := range m.Trees {
		encodeTree(e, &m.Trees[i], m.Counts)
	}
	if len(m.CipherSalt) > 0 {
		e.bytes(m.CipherSalt) // from version 3, for an encrypted database only
	}
	return e.b
}

// decodeBody parses a body of the given format version and checks that
// its content is coherent: a valid page size and encoding, page numbers
// inside the database, column indexes inside their tables, counts a page
// could hold. SQL text is kept as data, unexamined.
func decodeBody(b []byte, version uint16) (*Meta, error) {
	d := &decoder{b: b}
	m := &Meta{}
	m.CapturedAt = d.int()
	m.Source = d.str()
	m.SQLiteVersion = d.str()
	m.SchemaOnly = d.bool()
	m.PagesReadFrom = d.str()
	h := &m.Header
	h.PageSize = d.small(65536)
	h.ReservedBytes = d.small(255)
	h.TextEncoding = uint32(d.small(3))
	h.AutoVacuum = uint32(d.small(2))
	h.UserVersion, h.ApplicationID, h.SchemaCookie = d.u32(), d.u32(), d.u32()
	h.FileChangeCounter, h.PageCount, h.FreelistCount = d.u32(), d.u32(), d.u32()
	h.JournalMode = d.str()
	if d.err == nil && (!pagefile.ValidPageSize(h.PageSize) || h.PageSize-h.ReservedBytes < 480 || h.TextEncoding == 0) {
		d.fail("implausible geometry: page size %d, reserve %d, encoding %d", h.PageSize, h.ReservedBytes, h.TextEncoding)
	}
	m.Schema = list[SchemaRow](d.count(5))
	for i := range m.Schema {
		r := &m.Schema[i]
		r.Type, r.Name, r.TblName = d.str(), d.str(), d.str()
		r.RootPage = d.u32()
		r.SQL = d.str()
		checkPage(d, h, r.RootPage, true)
	}
	m.Sequences = list[Sequence](d.count(2))
	for i := range m.Sequences {
		m.Sequences[i] = Sequence{Name: d.str(), Seq: d.int()}
	}
	m.Tables = list[Table](d.count(6))
	for i := range m.Tables {
		m.Tables[i] = decodeTable(d)
	}
	m.Indexes = list[Index](d.count(6))
	for i := range m.Indexes {
		ix := &m.Indexes[i]
		ix.Name, ix.Table = d.str(), d.str()
		ix.Unique = d.bool()
		ix.Origin = d.str()
		ix.Partial = d.bool()
		ix.Columns = list[IndexColumn](d.count(5))
		for j := range ix.Columns {
			c := &ix.Columns[j]
			c.Cid = int(d.int())
			c.Name = d.str()
			c.Desc = d.bool()
			c.Coll = d.str()
			c.Key = d.bool()
			if d.err == nil && (c.Cid < -2 || c.Cid > 32767) {
				d.fail("index %q column %d", ix.Name, c.Cid)
			}
		}
	}
	// Version 1 recorded no counts; from version 2 a flag says.
	if version >= 2 {
		m.Counts = d.bool()
	}
	m.Trees = list[Tree](d.count(6))
	for i := range m.Trees {
		m.Trees[i] = decodeTree(d, h, m.Counts)
	}
	if version >= 3 && d.err == nil && d.off < len(b) {
		if m.CipherSalt = d.bytes(); d.err == nil && len(m.CipherSalt) != 16 {
			d.fail("cipher salt of %d bytes, not 16", len(m.CipherSalt))
		}
	}
	if d.err == nil && d.off != len(b) {
		d.fail("%d bytes after the last field", len(b)-d.off)
	}
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

func decodeTable(d *decoder) Table {
	t := Table{Name: d.str()}
	t.WithoutRowid, t.Strict = d.bool(), d.bool()
	t.RowidAlias = int(d.int())
	t.Columns = list[Column](d.count(8))
	for j := range t.Columns {
		c := &t.Columns[j]
		c.Name, c.DeclType = d.str(), d.str()
		c.Affinity = Affinity(d.small(255))
		c.NotNull, c.HasDefault = d.bool(), d.bool()
		c.Default = d.str()
		c.PK = d.small(32767)
		c.Hidden = d.small(3)
		if d.err == nil && (c.Affinity < AffinityBlob || c.Affinity > AffinityReal) {
			d.fail("column %q affinity %d", c.Name, c.Affinity)
		}
	}
	t.RecordOrder = list[int](d.count(1))
	for j := range t.RecordOrder {
		t.RecordOrder[j] = d.small(len(t.Columns) - 1)
	}
	if d.err == nil && (t.RowidAlias < -1 || t.RowidAlias >= len(t.Columns)) {
		d.fail("table %q rowid alias %d of %d columns", t.Name, t.RowidAlias, len(t.Columns))
	}
	return t
}

// checkPage fails the decode if pgno lies beyond the database's page count.
func checkPage(d *decoder, h *Header, pgno uint32, zeroOK bool) {
	if d.err == nil && ((pgno == 0 && !zeroOK) || pgno > h.PageCount) {
		d.fail("page %d outside the database's %d pages", pgno, h.PageCount)
	}
}

// list allocates n elements, or returns nil for none, so that a decoded
// Meta equals the captured one (whose empty lists are nil).
func list[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, n)
}
