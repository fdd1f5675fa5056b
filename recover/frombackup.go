package recover

import (
	"bytes"
	"context"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// fillFromBackup reads, for every page the damaged file lost (zero-filled,
// unreadable, or beyond its end), the backup's version of that page, and
// places the rows of the leaves among them. A backup leaf belongs to the
// table whose leaf has its CRC in the backup's own metadata (taken from
// the same snapshot), else to the table its records fit. These rows rank
// lowest: a row the damaged file still holds wins over the backup's.
func (r *repairer) fillFromBackup(ctx context.Context, lost []uint32) error {
	b := r.opts.Backup
	if b == nil || b.Source == nil {
		return nil
	}
	owner := crcOwners(b.Meta, r.plan)
	usable := b.Source.PageSize()
	if b.Meta != nil {
		usable -= b.Meta.Header.ReservedBytes
	}
	if b.Source.PageSize() != r.f.Geometry.PageSize {
		return nil // a backup of another geometry is not this database's
	}
	rd := btree.NewReader(b.Source, usable, r.rd.Encoding())
	buf := make([]byte, b.Source.PageSize())
	for _, pgno := range lost {
		if pgno > b.Source.PageCount() {
			continue
		}
		if err := b.Source.ReadPage(pgno, buf); err != nil || (b.Verify != nil && !b.Verify(pgno, buf)) {
			continue
		}
		p, err := rd.Page(pgno)
		if err != nil || (!p.Type.Leaf() && p.Type != btree.IndexInterior) {
			continue
		}
		t := owner[master.PageCRC(p.Data)]
		if t == nil {
			t = r.fittingTable(p)
		}
		if t == nil || t.info.WithoutRowid == p.Type.Table() {
			continue
		}
		placed := false
		for i := 0; i < p.CellCount; i++ {
			c, err := p.Cell(i)
			if err != nil {
				continue
			}
			payload, _, perr := rd.Payload(c)
			e := &btree.Entry{Pgno: pgno, Cell: i, Rowid: c.Rowid, Payload: payload, PayloadErr: perr}
			if err := r.placeFrom(ctx, rd, t, e, rankBackup); err != nil {
				return err
			}
			placed = true
		}
		if placed {
			r.rep.Pages.FromBackup++
		}
	}
	return nil
}

// crcOwners maps the leaf CRCs of a metadata backup to the repair's tables.
func crcOwners(m *master.Meta, p *plan) map[uint32]*table {
	out := map[uint32]*table{}
	if m == nil {
		return out
	}
	for _, tr := range m.Trees {
		t := p.byName[strings.ToLower(tr.Name)]
		for _, l := range tr.Leaves {
			out[l.CRC] = t
		}
	}
	return out
}

// fittingTable is the one table whose rows a page's records fit, or nil.
func (r *repairer) fittingTable(p *btree.Page) *table {
	var found *table
	for _, t := range r.plan.tables {
		if t.Virtual || t.info.Name == "" || t.info.WithoutRowid == p.Type.Table() {
			continue
		}
		if r.belongs(t, p) {
			if found != nil {
				return nil // two fit: do not guess
			}
			found = t
		}
	}
	return found
}

// completeFromBackup returns the whole payload of an entry whose overflow
// chain broke, from the backup's copy of the same page: the cell with the
// same rowid there must hold the same bytes on the page itself (the local
// part; what followed from the broken chain cannot be trusted, a zeroed
// overflow page reads as zeros), so it is the same version of the row.
func (r *repairer) completeFromBackup(e *btree.Entry) ([]byte, bool) {
	b := r.opts.Backup
	if b == nil || b.Source == nil || e.Pgno > b.Source.PageCount() || b.Source.PageSize() != r.f.Geometry.PageSize {
		return nil, false
	}
	buf := make([]byte, b.Source.PageSize())
	if err := b.Source.ReadPage(e.Pgno, buf); err != nil || (b.Verify != nil && !b.Verify(e.Pgno, buf)) {
		return nil, false
	}
	rd := btree.NewReader(b.Source, r.f.Usable(), r.rd.Encoding())
	p, err := btree.ParsePage(e.Pgno, buf, r.f.Usable())
	if err != nil || e.Cell >= p.CellCount {
		return nil, false
	}
	c, err := p.Cell(e.Cell)
	if err != nil || (p.Type.Table() && c.Rowid != e.Rowid) {
		return nil, false
	}
	local := len(c.Local)
	if local > len(e.Payload) || !bytes.Equal(c.Local, e.Payload[:local]) {
		return nil, false
	}
	payload, _, err := rd.Payload(c)
	if err != nil {
		return nil, false
	}
	return payload, true
}
