package backup

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"

	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// ManifestSuffix names the manifest beside a backup file.
const ManifestSuffix = outputs.SuffixManifest

// Manifest layout constants; see doc.go.
const (
	manifestMagic   = "DBRBACK\x00"
	FormatVersion   = 1
	manifestFixed   = 68 // bytes before the journal mode string
	maxJournalMode  = 64
	maxSourcePath   = 4096
	maxMetaLen      = 1 << 30
	manifestTrailer = 4
	// manifestEncrypted: the pages are a SQLCipher database's ciphertext and
	// the metadata backup is empty. A reader older than the flag refuses
	// the manifest (unknown flags), rather than misread the backup.
	manifestEncrypted = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Snapshot identifies the database state a backup holds.
type Snapshot struct {
	// CapturedAt is when the read snapshot was taken, Unix nanoseconds.
	CapturedAt int64 `json:"captured_at"`
	// SchemaCookie and ChangeCounter are header fields of the snapshot's
	// page 1 (in WAL mode the change counter does not move on commit).
	SchemaCookie  uint32 `json:"schema_cookie"`
	ChangeCounter uint32 `json:"change_counter"`
	// Digest is SHA-256 over the big-endian CRC32C of every page in
	// order: two backups with the same digest hold the same pages.
	Digest [32]byte `json:"digest"`
	// JournalMode is the source's journal mode ("wal", "delete", ...).
	JournalMode string `json:"journal_mode"`
	// Source is the database path the backup was taken from.
	Source string `json:"source"`
	// Encrypted: the pages are the ciphertext of a SQLCipher database,
	// copied without the key (manifest flag 1); the CRCs are over the
	// ciphertext, there is no metadata backup, and PRAGMA
	// integrity_check needs the key. JournalMode is then "wal" or
	// "rollback" (the header that says more is encrypted), and the schema
	// cookie and change counter are 0 unless the key was given.
	Encrypted bool `json:"encrypted,omitempty"`
}

// Manifest describes a backup file page by page.
type Manifest struct {
	PageSize  int      `json:"page_size"`
	PageCount uint32   `json:"page_count"`
	CRCs      []uint32 `json:"-"` // CRC32C of page pgno at index pgno-1
	Snapshot  Snapshot `json:"snapshot"`
	// Meta is the metadata backup (master.Encode format) captured from
	// the same read snapshot as the pages; decode it with master.Decode.
	// Empty when Snapshot.Encrypted.
	Meta []byte `json:"-"`
}

// digest computes Snapshot.Digest from per-page CRCs.
func digest(crcs []uint32) [32]byte {
	h := sha256.New()
	var b [4]byte
	for _, c := range crcs {
		binary.BigEndian.PutUint32(b[:], c)
		h.Write(b[:])
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// EncodeManifest serialises m.
func EncodeManifest(m *Manifest) []byte {
	return appendManifest(make([]byte, 0, manifestLen(m)), m)
}

// manifestLen is the length of m serialised.
func manifestLen(m *Manifest) int {
	return manifestFixed + 2 + len(m.Snapshot.JournalMode) + 2 + len(m.Snapshot.Source) + 4*len(m.CRCs) + 4 + len(m.Meta) + manifestTrailer
}

// appendManifest appends m serialised to out (a version manifest holds it
// in its body, written in place).
func appendManifest(out []byte, m *Manifest) []byte {
	start := len(out)
	out = append(out, manifestMagic...)
	out = binary.BigEndian.AppendUint16(out, FormatVersion)
	var flags uint16
	if m.Snapshot.Encrypted {
		flags |= manifestEncrypted
	}
	out = binary.BigEndian.AppendUint16(out, flags)
	out = binary.BigEndian.AppendUint32(out, uint32(m.PageSize))
	out = binary.BigEndian.AppendUint32(out, m.PageCount)
	out = binary.BigEndian.AppendUint64(out, uint64(m.Snapshot.CapturedAt))
	out = binary.BigEndian.AppendUint32(out, m.Snapshot.SchemaCookie)
	out = binary.BigEndian.AppendUint32(out, m.Snapshot.ChangeCounter)
	out = append(out, m.Snapshot.Digest[:]...)
	out = appendString(out, m.Snapshot.JournalMode)
	out = appendString(out, m.Snapshot.Source)
	for _, c := range m.CRCs {
		out = binary.BigEndian.AppendUint32(out, c)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(m.Meta)))
	out = append(out, m.Meta...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out[start:], castagnoli))
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// DecodeManifest parses and verifies a manifest: magic, version, the
// whole-file checksum, every length against the bytes present (nothing is
// allocated from a count the file cannot hold) and the digest against the
// CRCs.
func DecodeManifest(b []byte) (*Manifest, error) {
	if len(b) < len(manifestMagic) && string(b) == manifestMagic[:len(b)] {
		return nil, formatErr(int64(len(b)), pagefile.ErrTruncated, "file ends inside the magic")
	}
	if len(b) < len(manifestMagic) || string(b[:len(manifestMagic)]) != manifestMagic {
		return nil, formatErr(0, ErrNotBackup, "no backup manifest magic")
	}
	if len(b) < manifestFixed+manifestTrailer {
		return nil, formatErr(int64(len(b)), pagefile.ErrTruncated, "file ends inside the header")
	}
	be := binary.BigEndian
	if v := be.Uint16(b[8:]); v != FormatVersion {
		if v > FormatVersion {
			return nil, formatErr(8, master.ErrVersion, "format version %d; this dbrescue reads version %d", v, FormatVersion)
		}
		return nil, formatErr(8, pagefile.ErrBadValue, "format version %d", v)
	}
	body := b[:len(b)-manifestTrailer]
	if got, want := crc32.Checksum(body, castagnoli), be.Uint32(b[len(body):]); got != want {
		if n, ok := declaredLen(b); !ok || n > int64(len(b)) {
			// A file cut short cannot match its checksum; say so, for
			// the cause is not a changed byte but missing ones.
			return nil, formatErr(int64(len(b)), pagefile.ErrTruncated, "file of %d bytes ends before the lengths its fields declare", len(b))
		}
		return nil, formatErr(int64(len(body)), pagefile.ErrChecksum, "manifest CRC32C %08x, computed %08x", want, got)
	}
	flags := be.Uint16(b[10:])
	if flags&^manifestEncrypted != 0 {
		return nil, formatErr(10, pagefile.ErrBadValue, "unknown flags %#x", flags)
	}
	m := &Manifest{PageSize: int(be.Uint32(b[12:])), PageCount: be.Uint32(b[16:])}
	m.Snapshot.Encrypted = flags&manifestEncrypted != 0
	if !pagefile.ValidPageSize(m.PageSize) {
		return nil, formatErr(12, pagefile.ErrBadValue, "page size %d", m.PageSize)
	}
	m.Snapshot.CapturedAt = int64(be.Uint64(b[20:]))
	m.Snapshot.SchemaCookie = be.Uint32(b[28:])
	m.Snapshot.ChangeCounter = be.Uint32(b[32:])
	copy(m.Snapshot.Digest[:], b[36:68])
	r := reader{b: body, off: manifestFixed}
	m.Snapshot.JournalMode = r.str(maxJournalMode)
	m.Snapshot.Source = r.str(maxSourcePath)
	if r.err == nil && uint64(m.PageCount)*4 > uint64(len(body)-r.off) {
		r.fail(pagefile.ErrTruncated, "%d page CRCs do not fit in the %d bytes left", m.PageCount, len(body)-r.off)
	}
	if r.err == nil {
		m.CRCs = make([]uint32, m.PageCount)
		for i := range m.CRCs {
			m.CRCs[i] = be.Uint32(body[r.off:])
			r.off += 4
		}
	}
	metaLen := r.u32()
	if r.err == nil && (metaLen > maxMetaLen || int(metaLen) != len(body)-r.off) {
		r.fail(pagefile.ErrBadValue, "metadata length %d, %d bytes left", metaLen, len(body)-r.off)
	}
	if r.err != nil {
		return nil, r.err
	}
	m.Meta = append([]byte(nil), body[r.off:]...)
	if m.Snapshot.Encrypted && len(m.Meta) != 0 {
		return nil, formatErr(int64(r.off), pagefile.ErrBadValue, "an encrypted backup's manifest carries %d bytes of metadata", len(m.Meta))
	}
	if digest(m.CRCs) != m.Snapshot.Digest {
		return nil, formatErr(36, pagefile.ErrChecksum, "snapshot digest does not match the page CRCs")
	}
	return m, nil
}

// declaredLen is the length of the manifest whose first bytes are b, as
// its own fields declare it (strings, page count, metadata length); false
// when b ends inside those fields.
func declaredLen(b []byte) (int64, bool) {
	r := reader{b: b, off: manifestFixed}
	r.str(maxJournalMode)
	r.str(maxSourcePath)
	if r.err != nil {
		return 0, !errors.Is(r.err, pagefile.ErrTruncated)
	}
	off := int64(r.off) + 4*int64(binary.BigEndian.Uint32(b[16:]))
	if off+4 > int64(len(b)) {
		return 0, false
	}
	return off + 4 + int64(binary.BigEndian.Uint32(b[off:])) + manifestTrailer, true
}

// reader reads length-prefixed fields from untrusted bytes, keeping the
// first error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(cause error, reason string, args ...any) {
	if r.err == nil {
		r.err = formatErr(int64(r.off), cause, reason, args...)
	}
}

func (r *reader) u32() uint32 {
	if r.err == nil && len(r.b)-r.off < 4 {
		r.fail(pagefile.ErrTruncated, "file ends inside a length")
	}
	if r.err != nil {
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) str(limit int) string {
	if r.err == nil && len(r.b)-r.off < 2 {
		r.fail(pagefile.ErrTruncated, "file ends inside a string length")
	}
	if r.err != nil {
		return ""
	}
	n := int(binary.BigEndian.Uint16(r.b[r.off:]))
	if n > limit {
		r.fail(pagefile.ErrBadValue, "string of %d bytes (limit %d)", n, limit)
		return ""
	}
	if n > len(r.b)-r.off-2 {
		r.fail(pagefile.ErrTruncated, "file ends inside a string of %d bytes (%d left)", n, len(r.b)-r.off-2)
		return ""
	}
	s := string(r.b[r.off+2 : r.off+2+n])
	r.off += 2 + n
	return s
}

// ReadManifest reads and verifies the manifest of the backup at path
// (path+ManifestSuffix). The manifest of a 1 GB database of 4 KiB pages
// is about 1 MB plus the metadata backup.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path + ManifestSuffix)
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(b)
	return m, master.WithPath(err, path+ManifestSuffix)
}

// manifestSum is how a journal names a manifest file's exact content.
func manifestSum(b []byte) [32]byte { return sha256.Sum256(b) }
