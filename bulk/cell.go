package bulk

import (
	"encoding/binary"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// appendPayloadCell appends the payload-carrying part of a cell, as
// btree.Page.Cell decodes it: the payload size, the rowid (table leaves),
// the local part and, when the payload spills, the first overflow page.
// The local size is btree.LocalSize, the reader's own spill rule; the rest
// of the payload is written to overflow pages here. Index interior cells
// are a left child pointer followed by exactly this.
func (t *Tree) appendPayloadCell(dst []byte, kind btree.PageType, rowid int64, payload []byte) ([]byte, error) {
	if int64(len(payload)) > btree.MaxPayload {
		return dst, fmt.Errorf("%w: a payload of %d bytes", ErrTooLarge, len(payload))
	}
	dst = btree.AppendVarint(dst, uint64(len(payload)))
	if kind == btree.TableLeaf {
		dst = btree.AppendVarint(dst, uint64(rowid))
	}
	local := btree.LocalSize(kind, t.f.usable, int64(len(payload)))
	dst = append(dst, payload[:local]...)
	if local == len(payload) {
		return dst, nil
	}
	first, err := t.writeOverflow(payload[local:])
	if err != nil {
		return dst, err
	}
	return binary.BigEndian.AppendUint32(dst, first), nil
}

// writeOverflow writes rest as a chain of overflow pages (each the next
// page number, then usable-4 bytes of payload) and returns its first page.
func (t *Tree) writeOverflow(rest []byte) (uint32, error) {
	per := t.f.usable - 4
	cur, err := t.alloc()
	if err != nil {
		return 0, err
	}
	first := cur
	for len(rest) > 0 {
		chunk := rest[:min(per, len(rest))]
		rest = rest[len(chunk):]
		next := uint32(0)
		if len(rest) > 0 {
			if next, err = t.alloc(); err != nil {
				return 0, err
			}
			t.f.setPtr(next, pagefile.PtrmapOverflow2, cur)
		}
		buf := t.f.getPage()
		binary.BigEndian.PutUint32(buf, next)
		copy(buf[4:], chunk)
		if err := t.f.writePage(cur, buf); err != nil {
			return 0, err
		}
		cur = next
	}
	return first, nil
}

// cellSpace is the room a cell takes on its page: SQLite never allocates
// fewer than 4 bytes for a cell, so that a freed cell can become a
// freeblock.
func cellSpace(n int) int { return max(n, 4) }
