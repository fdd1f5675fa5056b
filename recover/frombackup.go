package recover

import (
	"bytes"
	"context"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
)

// fillFromBackup reads, for every page the damaged file lost (zero-filled,
// unknown, unreadable, or beyond its end), the backup's version of that
// page, and places the rows of the table leaves among them. The backup's
// own metadata, taken from the same snapshot, says exactly which tree
// each of its pages belongs to: a page is used only when that metadata
// lists it, byte for byte (CRC), as a leaf of a table the repair
// recreates. An index's page is never a table's. These rows rank lowest:
// a row the damaged file still holds wins over the backup's.
func (r *repairer) fillFromBackup(ctx context.Context) error {
	b := r.opts.Backup
	if b == nil || b.Source == nil {
		return nil
	}
	if b.Source.PageSize() != r.f.Geometry.PageSize || b.Meta == nil {
		r.reason(Reason{Code: ReasonBackup, Text: "the page-level backup is not of this database's geometry, or carries no metadata"})
		return nil
	}
	leaves := backupLeaves(b.Meta)
	usable := b.Source.PageSize() - b.Meta.Header.ReservedBytes
	rd := btree.NewReader(b.Source, usable, r.rd.Encoding())
	o := origin{key: lostKey{tree: -1, backup: true}, table: true, rd: rd}
	for _, pgno := range r.lostPages(b.Source.PageCount()) {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A page buffer of its own: rows queued for the writer keep
		// pointing into it.
		buf := make([]byte, b.Source.PageSize())
		if err := b.Source.ReadPage(pgno, buf); err != nil || (b.Verify != nil && !b.Verify(pgno, buf)) {
			continue
		}
		name, listed := leaves[leafAt{pgno, master.PageCRC(buf)}]
		t := r.plan.byName[name]
		if !listed || t == nil || t.Virtual || !t.created {
			continue
		}
		p, err := btree.ParsePage(pgno, buf, usable)
		if err != nil || p.Type.Table() == t.info.WithoutRowid {
			continue
		}
		d := destination{t: t, rank: rankBackup}
		o.root = pgno
		for i := 0; i < p.CellCount; i++ {
			c, err := p.Cell(i)
			if err != nil {
				continue
			}
			payload, _, perr := rd.Payload(c)
			e := &btree.Entry{Pgno: pgno, Cell: i, Rowid: c.Rowid, Payload: payload, PayloadErr: perr}
			if err := r.place(ctx, o, e, d); err != nil {
				return err
			}
		}
		r.fromBackup[pgno] = true
		r.rep.Pages.FromBackup++
	}
	return nil
}

// leafAt is a leaf of a metadata backup: page number and CRC.
type leafAt struct {
	pgno, crc uint32
}

// backupLeaves maps every leaf the backup's metadata lists to its tree's
// name (lower case).
func backupLeaves(m *master.Meta) map[leafAt]string {
	out := map[leafAt]string{}
	for _, tr := range m.Trees {
		for _, l := range tr.Leaves {
			out[leafAt{l.Pgno, l.CRC}] = strings.ToLower(tr.Name)
		}
	}
	return out
}

// lostPages lists the pages whose content the file lost: destroyed pages,
// and pages beyond the end of a file shorter than the backup.
func (r *repairer) lostPages(backupPages uint32) []uint32 {
	var out []uint32
	for i, p := range r.cen.Pages {
		if p.Class.Lost() {
			out = append(out, uint32(i+1))
		}
	}
	for pgno := uint32(len(r.cen.Pages)) + 1; pgno <= backupPages; pgno++ {
		out = append(out, pgno)
	}
	return out
}

// zeroOverflow reports whether one of the entry's overflow pages is all
// zeros: a destroyed page at the end of a chain reads as valid data, so
// this is the only sign of it without a metadata backup.
func (r *repairer) zeroOverflow(e *btree.Entry) bool {
	for _, pg := range e.Overflow {
		if r.cen.Page(pg).CRC == r.zeroCRC {
			return true
		}
	}
	return false
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
