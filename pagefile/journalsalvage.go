package pagefile

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// probeRecords is how many records each candidate geometry is tried on.
const probeRecords = 4

// chooseGeometry settles the page size and sector size the journal is
// read with. A whole header gives both, and the page size must be the
// database's when that is known. When a field is damaged (the magic, or a
// page or sector size SQLite never writes), SQLite would not play the
// journal back at all and would leave the uncommitted pages in place;
// instead the records decide. Each candidate geometry is tried on the
// first records with the header's nonce, and the one under which most
// checksums verify wins, provided one does. The checksum samples few
// bytes, but it starts from a random nonce, so a record that verifies at a
// wrong geometry is a 1 in 2^32 accident.
func (j *Journal) chooseGeometry(r io.ReaderAt, end int64, magicOK bool, dbPageSize int) error {
	h := j.Header
	ps, sector := int(h.PageSize), int(h.SectorSize)
	if ps == 0 && ValidPageSize(dbPageSize) {
		ps = dbPageSize // SQLite before 3.5.8 wrote 0: the database's size applies
	}
	psOK, sectorOK := ValidPageSize(ps), validSectorSize(sector)
	if psOK && dbPageSize != 0 && ps != dbPageSize {
		return Corrupt(0, 24, ErrBadValue, "journal page size %d differs from the database's %d", ps, dbPageSize)
	}
	if magicOK && psOK && sectorOK {
		j.pageSize, j.sectorSize = ps, sector
		return nil
	}
	var damaged []string
	pageSizes, sectors := []int{ps}, []int{sector}
	if !magicOK {
		damaged = append(damaged, "magic")
	}
	if !psOK {
		damaged = append(damaged, fmt.Sprintf("page size %d", h.PageSize))
		pageSizes = candidatePageSizes(dbPageSize)
	}
	if !sectorOK {
		damaged = append(damaged, fmt.Sprintf("sector size %d", h.SectorSize))
		sectors = []int{512, 4096, 32, 64, 128, 256, 1024, 2048, 8192, 16384, 32768, 65536}
	}
	best, bestPS, bestSector := 0, 0, 0
	for _, p := range pageSizes {
		for _, s := range sectors {
			if n := verifiedRecords(r, end, p, s, h.Nonce); n > best {
				best, bestPS, bestSector = n, p, s
			}
		}
	}
	what := strings.Join(damaged, ", ")
	if best == 0 {
		return Corrupt(0, 0, ErrBadValue, "journal header damaged (%s), and no record verifies to show what it held", what)
	}
	j.pageSize, j.sectorSize = bestPS, bestSector
	j.salvaged(fmt.Sprintf("header damaged (%s): read with page size %d and sector size %d, under which %d of its first records verify",
		what, bestPS, bestSector, best))
	return nil
}

// validSectorSize reports whether n is a sector size SQLite writes
// journals with: a power of two from 32 to 65536.
func validSectorSize(n int) bool {
	return n >= minSectorSize && n <= maxSectorSize && n&(n-1) == 0
}

// candidatePageSizes is the database's page size when known, else every
// valid one.
func candidatePageSizes(dbPageSize int) []int {
	if ValidPageSize(dbPageSize) {
		return []int{dbPageSize}
	}
	return []int{4096, 1024, 512, 2048, 8192, 16384, 32768, 65536}
}

// verifiedRecords counts, among the first probeRecords records of the
// first segment read at geometry (ps, sector), those whose page number
// names a page and whose checksum verifies with nonce.
func verifiedRecords(r io.ReaderAt, end int64, ps, sector int, nonce uint32) int {
	rec := make([]byte, ps+8)
	n := 0
	for i := range int64(probeRecords) {
		off := int64(sector) + i*int64(len(rec))
		if off+int64(len(rec)) > end || readFull(r, rec, off) != nil {
			break
		}
		pgno := binary.BigEndian.Uint32(rec)
		if pgno != 0 && pgno != LockBytePage(ps) && journalChecksum(nonce, rec[4:4+ps]) == binary.BigEndian.Uint32(rec[4+ps:]) {
			n++
		}
	}
	return n
}
