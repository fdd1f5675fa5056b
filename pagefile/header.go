package pagefile

import (
	"encoding/binary"
	"fmt"
	"io"
)

// HeaderSize is the size of the database header at the start of page 1.
const HeaderSize = 100

// Magic is the 16-byte string every SQLite 3 database starts with.
const Magic = "SQLite format 3\x00"

// Text encodings as stored at header offset 56.
const (
	EncodingUTF8    = 1
	EncodingUTF16LE = 2
	EncodingUTF16BE = 3
)

// Header is the decoded 100-byte database header. Fields hold what the file
// says even when it is implausible; Problems lists every field that failed
// its check. PageSize is decoded (the stored value 1 means 65536) and is 0
// when the stored value is not a valid page size.
type Header struct {
	Magic               string
	PageSize            int
	WriteVersion        byte
	ReadVersion         byte
	ReservedBytes       int
	MaxPayloadFraction  byte
	MinPayloadFraction  byte
	LeafPayloadFraction byte
	FileChangeCounter   uint32
	DatabaseSize        uint32 // in pages; trusted only when VersionValidFor matches
	FirstFreelistTrunk  uint32
	FreelistCount       uint32
	SchemaCookie        uint32
	SchemaFormat        uint32
	DefaultCacheSize    uint32
	LargestRootPage     uint32 // non-zero: auto_vacuum or incremental_vacuum
	TextEncoding        uint32
	UserVersion         uint32
	IncrementalVacuum   uint32
	ApplicationID       uint32
	VersionValidFor     uint32
	SQLiteVersion       uint32
	Problems            []*CorruptError `json:",omitempty"`
}

// Valid reports whether every field passed its check.
func (h *Header) Valid() bool { return len(h.Problems) == 0 }

// UsableSize is the page size minus the reserved bytes, or 0 when the page
// size is unknown or the reserve leaves too little room.
func (h *Header) UsableSize() int {
	if h.PageSize == 0 || h.ReservedBytes < 0 || h.PageSize-h.ReservedBytes < 480 {
		return 0
	}
	return h.PageSize - h.ReservedBytes
}

// AutoVacuum reports the auto_vacuum mode: "none", "full" or "incremental".
func (h *Header) AutoVacuum() string {
	switch {
	case h.LargestRootPage == 0:
		return "none"
	case h.IncrementalVacuum != 0:
		return "incremental"
	default:
		return "full"
	}
}

// EncodingName returns "UTF-8", "UTF-16le" or "UTF-16be", or "unknown".
func EncodingName(enc uint32) string {
	switch enc {
	case EncodingUTF8:
		return "UTF-8"
	case EncodingUTF16LE:
		return "UTF-16le"
	case EncodingUTF16BE:
		return "UTF-16be"
	}
	return "unknown"
}

// ValidPageSize reports whether n is a page size SQLite can use.
func ValidPageSize(n int) bool {
	return n >= 512 && n <= 65536 && n&(n-1) == 0
}

// ReadHeader reads and decodes the header at the start of r. An I/O error or
// a file shorter than the header is returned as an error; damaged fields are
// reported in Header.Problems, not as an error.
func ReadHeader(r io.ReaderAt) (*Header, error) {
	var b [HeaderSize]byte
	n, err := r.ReadAt(b[:], 0)
	if n < HeaderSize {
		if err == nil || err == io.EOF {
			return nil, Corrupt(0, int64(n), ErrTruncated, "file has %d bytes, shorter than the %d-byte header", n, HeaderSize)
		}
		return nil, err
	}
	return ParseHeader(b[:]), nil
}

// ParseHeader decodes a header from b, which must hold at least HeaderSize
// bytes (a shorter slice is treated as zero-padded). It never fails: each
// field that does not pass its check is recorded in Problems.
func ParseHeader(b []byte) *Header {
	var buf [HeaderSize]byte
	copy(buf[:], b)
	u32 := func(off int) uint32 { return binary.BigEndian.Uint32(buf[off:]) }
	h := &Header{
		Magic:               string(buf[0:16]),
		WriteVersion:        buf[18],
		ReadVersion:         buf[19],
		ReservedBytes:       int(buf[20]),
		MaxPayloadFraction:  buf[21],
		MinPayloadFraction:  buf[22],
		LeafPayloadFraction: buf[23],
		FileChangeCounter:   u32(24),
		DatabaseSize:        u32(28),
		FirstFreelistTrunk:  u32(32),
		FreelistCount:       u32(36),
		SchemaCookie:        u32(40),
		SchemaFormat:        u32(44),
		DefaultCacheSize:    u32(48),
		LargestRootPage:     u32(52),
		TextEncoding:        u32(56),
		UserVersion:         u32(60),
		IncrementalVacuum:   u32(64),
		ApplicationID:       u32(68),
		VersionValidFor:     u32(92),
		SQLiteVersion:       u32(96),
	}
	bad := func(off int, format string, args ...any) {
		h.Problems = append(h.Problems, Corrupt(0, int64(off), ErrBadValue, format, args...))
	}
	if h.Magic != Magic {
		bad(0, "magic string is %q, not %q", h.Magic, Magic)
	}
	rawSize := int(binary.BigEndian.Uint16(buf[16:]))
	switch {
	case rawSize == 1:
		h.PageSize = 65536
	case ValidPageSize(rawSize):
		h.PageSize = rawSize
	default:
		bad(16, "page size %d is not a power of two between 512 and 65536", rawSize)
	}
	if h.WriteVersion != 1 && h.WriteVersion != 2 {
		bad(18, "file format write version %d is not 1 (legacy) or 2 (WAL)", h.WriteVersion)
	}
	if h.ReadVersion != 1 && h.ReadVersion != 2 {
		bad(19, "file format read version %d is not 1 (legacy) or 2 (WAL)", h.ReadVersion)
	}
	if h.PageSize != 0 && h.PageSize-h.ReservedBytes < 480 {
		bad(20, "%d reserved bytes leave fewer than 480 usable bytes in a %d-byte page", h.ReservedBytes, h.PageSize)
	}
	if h.MaxPayloadFraction != 64 {
		bad(21, "maximum embedded payload fraction is %d, must be 64", h.MaxPayloadFraction)
	}
	if h.MinPayloadFraction != 32 {
		bad(22, "minimum embedded payload fraction is %d, must be 32", h.MinPayloadFraction)
	}
	if h.LeafPayloadFraction != 32 {
		bad(23, "leaf payload fraction is %d, must be 32", h.LeafPayloadFraction)
	}
	if h.FreelistCount > 0 && h.FirstFreelistTrunk == 0 {
		bad(36, "freelist count %d with no first trunk page", h.FreelistCount)
	}
	if h.SchemaFormat > 4 {
		bad(44, "schema format number %d is not 0 to 4", h.SchemaFormat)
	}
	if h.TextEncoding > EncodingUTF16BE || (h.TextEncoding == 0 && h.SchemaCookie != 0) {
		bad(56, "text encoding %d is not 1 (UTF-8), 2 (UTF-16le) or 3 (UTF-16be)", h.TextEncoding)
	}
	if h.IncrementalVacuum != 0 && h.LargestRootPage == 0 {
		bad(64, "incremental vacuum set without auto_vacuum (largest root page is 0)")
	}
	for off := 72; off < 92; off++ {
		if buf[off] != 0 {
			bad(off, "reserved-for-expansion byte is %d, must be 0", buf[off])
			break
		}
	}
	return h
}

// DatabaseSizeTrusted reports whether the in-header database size may be
// used: SQLite itself trusts it only when it is non-zero and the
// version-valid-for number equals the change counter.
func (h *Header) DatabaseSizeTrusted() bool {
	return h.DatabaseSize != 0 && h.VersionValidFor == h.FileChangeCounter
}

// String gives a one-line summary.
func (h *Header) String() string {
	return fmt.Sprintf("page size %d, reserved %d, %s, %d pages, auto_vacuum %s",
		h.PageSize, h.ReservedBytes, EncodingName(h.TextEncoding), h.DatabaseSize, h.AutoVacuum())
}
