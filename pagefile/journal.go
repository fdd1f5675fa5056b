package pagefile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Rollback journal layout (fileformat2.html §3; pager.c writeJournalHdr,
// readJournalHdr, pager_playback).
const (
	// JournalHeaderSize is the size of a journal header's fields; each
	// header is padded with zeros to its sector size.
	JournalHeaderSize = 28
	// JournalRecordsToEnd is the record count a header holds when the
	// records fill the rest of the file (written with synchronous=OFF).
	JournalRecordsToEnd = 0xFFFFFFFF

	minSectorSize = 32
	maxSectorSize = 65536
	// maxListedJournalProblems bounds Journal.Problems; the counts stay exact.
	maxListedJournalProblems = 10
)

// journalMagic starts every journal header.
var journalMagic = []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}

// JournalHeader is one journal header, its fields as stored.
type JournalHeader struct {
	Offset       int64  // where the header starts in the journal
	RecordCount  uint32 // records that follow; JournalRecordsToEnd: to the end of the file
	Nonce        uint32 // start value of every record's checksum
	DatabaseSize uint32 // pages in the database when the transaction began
	SectorSize   uint32 // the header occupies this many bytes (first header only)
	PageSize     uint32 // bytes of page in each record (first header only)
}

// JournalSegment is a header and the records that follow it. A journal
// gets a new segment each time SQLite syncs it in the middle of a
// transaction (a cache spill), each with its own nonce.
type JournalSegment struct {
	Header  JournalHeader
	Records int // records read after the header: used, bad or skipped
}

// JournalRecord is a record whose page image is used: its checksum
// verified, its page is inside the original database, and no earlier
// record holds the same page.
type JournalRecord struct {
	Segment int    // index into Journal.Segments
	Offset  int64  // where the record (its page number) starts
	Pgno    uint32 // the page whose original content the record holds
}

// JournalOptions is what ReadJournal needs to know besides the journal.
type JournalOptions struct {
	// PageSize is the database's page size, 0 when unknown. A journal
	// whose header gives another valid page size is refused; when the
	// header's page-size field is damaged, this size is tried.
	PageSize int
	// SuperJournalExists reports whether the super-journal the journal
	// names exists. When it does not, the multi-database transaction the
	// journal belongs to committed and the journal is not hot. nil: a named
	// super-journal is taken to exist.
	SuperJournalExists func(name string) bool
}

// Journal is a rollback journal: the original content of the pages an
// interrupted write transaction changed. Overlaying it (JournalOverlay)
// gives the database as SQLite's rollback would leave it.
//
// ReadJournal reads it as SQLite's pager plays it back, with one
// difference: SQLite stops at the first record whose checksum fails, while
// ReadJournal keeps every record that verifies and counts the others in
// BadRecords. A header field that is damaged (magic, page size, sector
// size) is worked around when the records prove the replacement, and
// Salvaged says how.
type Journal struct {
	// Hot is true when the journal must be rolled back to see the
	// committed database. NotHot says why it need not be: a zeroed header
	// (journal_mode=PERSIST after a commit), an empty file (TRUNCATE), a
	// missing super-journal. Only a hot journal has segments and records.
	Hot    bool
	NotHot string
	// Header is the first header as stored.
	Header   JournalHeader
	Segments []JournalSegment
	Records  []JournalRecord
	// BadRecords counts records a header counts that cannot be used: a
	// checksum that does not verify, a page number that names no page, or
	// a record cut off by the end of the file.
	BadRecords int
	// Beyond counts records of pages past the original size; SQLite skips
	// them too. Duplicates counts records of a page already seen; the first
	// one, the content before the transaction, is used.
	Beyond, Duplicates int
	// Problems describes the first bad records, duplicates and damaged
	// header fields.
	Problems []*CorruptError
	// SuperJournal is the super-journal name at the end of the journal
	// (a transaction over several attached databases); empty when none.
	SuperJournal string
	// Salvaged says which damaged header fields were worked around and
	// how; empty when the header was whole.
	Salvaged string
	// Stop says why reading ended before the end of the file: no further
	// header where one could start (stale bytes of an earlier, longer
	// journal are normal), or a cut-off record. Informational; the damage
	// is in BadRecords and Problems.
	Stop error

	pageSize, sectorSize int
	originalSize         uint32
	pages                pageIndex
	maxPgno              uint32 // highest page a used record holds
}

// journalRecordRead is a record read, before the original size is settled
// and the record used or not.
type journalRecordRead struct {
	seg              int
	off              int64
	pgno             uint32
	stored, computed uint32 // checksums
}

// ReadJournal reads the rollback journal held in r (size bytes). A journal
// that is not hot is returned with Hot false and the reason in NotHot. An
// error is returned for a journal that cannot be used at all: a header no
// record can vouch for, a page size that differs from the database's, a
// file cut off inside its first header, or an I/O error.
func ReadJournal(r io.ReaderAt, size int64, opts JournalOptions) (*Journal, error) {
	j := &Journal{}
	if size <= 0 {
		j.NotHot = "the journal is empty (journal_mode=TRUNCATE ends transactions so)"
		return j, nil
	}
	var hb [JournalHeaderSize]byte
	n := min(size, JournalHeaderSize)
	if err := readFull(r, hb[:n], 0); err != nil {
		return nil, fmt.Errorf("pagefile: reading journal header: %w", err)
	}
	// SQLite's hasHotJournal: a journal whose first byte is zero is not
	// hot. PERSIST zeroes the header to commit, and a header not yet
	// synced has its magic zeroed, so no page of the database was changed.
	if hb[0] == 0 {
		j.NotHot = "its first byte is zero: SQLite does not roll such a journal back"
		if AllZero(hb[:n]) {
			j.NotHot = "its header is zeroed: the transaction committed (journal_mode=PERSIST ends transactions so)"
		}
		return j, nil
	}
	if size < JournalHeaderSize {
		return nil, Corrupt(0, 0, ErrTruncated, "journal has %d bytes, shorter than its %d-byte header", size, JournalHeaderSize)
	}
	j.Header = parseJournalHeader(hb[:], 0)
	end := j.readSuperJournal(r, size)
	if j.SuperJournal != "" && opts.SuperJournalExists != nil && !opts.SuperJournalExists(j.SuperJournal) {
		j.NotHot = fmt.Sprintf("it names super-journal %q, which does not exist: the multi-database transaction committed", j.SuperJournal)
		return j, nil
	}
	if err := j.chooseGeometry(r, end, bytes.Equal(hb[:8], journalMagic), opts.PageSize); err != nil {
		return nil, err
	}
	if size < int64(j.sectorSize) {
		return nil, Corrupt(0, 0, ErrTruncated, "journal has %d bytes, shorter than its %d-byte header sector: no record survives", size, j.sectorSize)
	}
	recs := j.readSegments(r, end)
	j.settleOriginalSize(r, recs)
	j.pages = newPageIndex("journal", r, j.pageSize)
	j.pages.limit = j.originalSize
	for _, rec := range recs {
		j.use(rec)
	}
	j.Hot = true
	return j, nil
}

// parseJournalHeader decodes the 28 header bytes in b, found at off.
func parseJournalHeader(b []byte, off int64) JournalHeader {
	be := binary.BigEndian
	return JournalHeader{
		Offset:       off,
		RecordCount:  be.Uint32(b[8:]),
		Nonce:        be.Uint32(b[12:]),
		DatabaseSize: be.Uint32(b[16:]),
		SectorSize:   be.Uint32(b[20:]),
		PageSize:     be.Uint32(b[24:]),
	}
}

// readSegments reads every segment up to end (the super-journal name, or
// the end of the file), as pager_playback does: a header at each sector
// boundary after the previous segment's records, until one is missing. It
// returns the records whose page number names a page, in file order.
func (j *Journal) readSegments(r io.ReaderAt, end int64) []journalRecordRead {
	var recs []journalRecordRead
	sector := int64(j.sectorSize)
	recSize := int64(j.pageSize) + 8
	rec := make([]byte, recSize)
	var hb [JournalHeaderSize]byte
	for off := int64(0); ; {
		h := j.Header
		if off > 0 {
			// Every header after the first must fit in its sector before
			// end and start with the magic; SQLite erases the first byte
			// of a stale header that follows the last segment, so that it
			// cannot be taken for one.
			if off >= end {
				return recs
			}
			clear(hb[:])
			if off+sector > end || readFull(r, hb[:], off) != nil || !bytes.Equal(hb[:8], journalMagic) {
				j.Stop = j.noHeaderAt(off, end, hb[:])
				return recs
			}
			h = parseJournalHeader(hb[:], off)
		}
		seg := JournalSegment{Header: h}
		recOff := off + sector
		count := int64(h.RecordCount)
		if h.RecordCount == JournalRecordsToEnd {
			count = max(0, end-recOff) / recSize
		}
		for ; int64(seg.Records) < count; seg.Records++ {
			if recOff+recSize > end {
				missing := count - int64(seg.Records)
				j.BadRecords += int(missing)
				cut := Corrupt(0, recOff, ErrTruncated, "journal ends inside record %d of segment %d: %d counted records are missing",
					seg.Records, len(j.Segments), missing)
				j.Stop = cut
				j.problem(cut)
				break
			}
			if err := readFull(r, rec, recOff); err != nil {
				j.Stop = fmt.Errorf("pagefile: reading journal record at offset %d: %w", recOff, err)
				break
			}
			if rr, ok := j.read(len(j.Segments), recOff, rec, h.Nonce); ok {
				recs = append(recs, rr)
			}
			recOff += recSize
		}
		j.Segments = append(j.Segments, seg)
		if h.RecordCount == JournalRecordsToEnd && recOff < end && j.Stop == nil {
			// No count says this record should be there: SQLite, which
			// derives the count from the file size, never reads it.
			j.Stop = Corrupt(0, recOff, ErrTruncated, "journal ends %d bytes into a record that was being written; it is not used", end-recOff)
		}
		if j.Stop != nil || h.RecordCount == JournalRecordsToEnd {
			return recs
		}
		// The next header starts at the first sector boundary after the
		// records (pager.c journalHdrOffset); a segment of zero records
		// ends right after its own header.
		off = (recOff + sector - 1) / sector * sector
	}
}

// noHeaderAt explains why reading ends at off, where hb (read from off
// when it fits before end) holds no header.
func (j *Journal) noHeaderAt(off, end int64, hb []byte) error {
	switch last := j.Segments[len(j.Segments)-1]; {
	case off+int64(j.sectorSize) <= end && AllZero(hb[:12]):
		// SQLite writes each header with its magic and count zeroed and
		// fills them in when it syncs the journal, before it changes any
		// page of the database that the records after it cover.
		return Corrupt(0, off, ErrBadValue,
			"the journal header at offset %d was never synced (magic and count still zero): the database file holds none of the changes its records cover, which are not used, as by SQLite", off)
	case last.Header.RecordCount == 0:
		return Corrupt(0, off, ErrBadValue,
			"the journal segment at offset %d counts no records: the %d bytes after it are records never synced, for pages the database file did not yet change, and are not used, as by SQLite",
			last.Header.Offset, end-off)
	}
	return Corrupt(0, off, ErrBadValue, "no journal header at offset %d, %d bytes before the end: reading ends here, as SQLite's does", off, end-off)
}

// read decodes one record. A page number that names no page (0, or the
// lock-byte page SQLite writes before a super-journal name) makes the
// record bad at once, as it ends SQLite's playback; the others are kept
// for use once the original size is settled.
func (j *Journal) read(seg int, off int64, rec []byte, nonce uint32) (journalRecordRead, bool) {
	ps := j.pageSize
	pgno := binary.BigEndian.Uint32(rec)
	if pgno == 0 || pgno == LockBytePage(ps) {
		j.bad(Corrupt(0, off, ErrBadValue, "journal record at offset %d names page %d, which no record can hold", off, pgno))
		return journalRecordRead{}, false
	}
	return journalRecordRead{seg: seg, off: off, pgno: pgno,
		stored: binary.BigEndian.Uint32(rec[4+ps:]), computed: journalChecksum(nonce, rec[4:4+ps])}, true
}

// use classifies a record, in the order SQLite's pager_playback_one_page
// checks it, and indexes it when it is used: a page past the original
// size is skipped, a checksum that fails makes it bad, and a page already
// seen keeps its first record, the content before the transaction.
func (j *Journal) use(r journalRecordRead) {
	switch {
	case r.pgno > j.originalSize:
		j.Beyond++
	case r.stored != r.computed:
		j.bad(Corrupt(0, r.off+4+int64(j.pageSize), ErrChecksum, "journal record for page %d at offset %d: checksum %08x does not match computed %08x",
			r.pgno, r.off, r.stored, r.computed))
	case j.pages.has(r.pgno):
		j.Duplicates++
		j.problem(Corrupt(0, r.off, ErrBadValue, "page %d has a second journal record at offset %d; the first, at offset %d, holds its original content",
			r.pgno, r.off, j.pages.at[r.pgno]-4))
	default:
		j.pages.at[r.pgno] = r.off + 4
		j.maxPgno = max(j.maxPgno, r.pgno)
		j.Records = append(j.Records, JournalRecord{Segment: r.seg, Offset: r.off, Pgno: r.pgno})
	}
}

// journalChecksum is pager.c's pager_cksum: the nonce plus every 200th
// byte of the page, counted from the end. It is sparse by design (torn
// writes change one end of a record), so a verified record is whole at
// its ends, not proven byte for byte.
func journalChecksum(nonce uint32, page []byte) uint32 {
	sum := nonce
	for i := len(page) - 200; i > 0; i -= 200 {
		sum += uint32(page[i])
	}
	return sum
}

func (j *Journal) bad(e *CorruptError) {
	j.BadRecords++
	j.problem(e)
}

func (j *Journal) problem(e *CorruptError) {
	if len(j.Problems) < maxListedJournalProblems {
		j.Problems = append(j.Problems, e)
	}
}

// PageSize is the page size the records are read with.
func (j *Journal) PageSize() int { return j.pageSize }

// SectorSize is the sector size the headers are laid out with.
func (j *Journal) SectorSize() int { return j.sectorSize }

// OriginalSize is the database size in pages when the transaction began:
// the size rolling back restores. It is the first header's unless the
// records prove that field damaged (see settleOriginalSize).
func (j *Journal) OriginalSize() uint32 { return j.originalSize }

// Damaged reports whether part of the journal could not be used or a
// header field had to be worked around.
func (j *Journal) Damaged() bool {
	return j.BadRecords > 0 || j.Duplicates > 0 || j.Salvaged != "" || len(j.Problems) > 0
}

// Has reports whether the journal holds the original content of pgno.
func (j *Journal) Has(pgno uint32) bool { return j.pages.has(pgno) }

// ReadPage fills dst with the original content of pgno. It reports false
// when the journal holds none.
func (j *Journal) ReadPage(pgno uint32, dst []byte) (bool, error) { return j.pages.read(pgno, dst) }

// readFull reads len(b) bytes at off; a short read is an error.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
