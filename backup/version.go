package backup

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/remote"
)

// Version manifest layout; see doc.go.
const (
	versionMagic    = "DBRVERS\x00"
	versionHeader   = 36
	maxSummary      = 64 << 10
	maxSegmentTable = 256 << 20
	// maxSegmentSize bounds a segment object, so a frame offset fits in
	// 32 bits and a whole segment can be read into memory.
	maxSegmentSize = 256 << 20
	// Section tags, bound into a sealed section's associated data.
	tagSummary  = 's'
	tagSegments = 't'
	tagBody     = 'b'
)

// Version describes one version in a store: a complete, consistent
// snapshot of the database, as `dbrescue backups` lists it.
type Version struct {
	ID string `json:"id"`
	// Base is the version whose pages this one reuses ("" for the first).
	Base       string `json:"base,omitempty"`
	CapturedAt int64  `json:"captured_at"` // Unix nanoseconds, the snapshot's
	PageSize   int    `json:"page_size"`
	PageCount  uint32 `json:"page_count"`
	// PagesUploaded, BytesUploaded and SegmentsUploaded are what the run
	// that made this version sent: the pages that differed from Base,
	// packed into new segments, and the manifest.
	PagesUploaded    uint32 `json:"pages_uploaded"`
	BytesUploaded    int64  `json:"bytes_uploaded"`
	SegmentsUploaded int    `json:"segments_uploaded"`
	// Digest is the SHA-256 of the whole database image (every page in
	// order): a restore must produce exactly these bytes.
	Digest [32]byte `json:"digest"`
	// PageDigest is the SHA-256 of the page CRCs (Snapshot.Digest of the
	// version's Manifest).
	PageDigest [32]byte `json:"page_digest"`
	KeyID      string   `json:"key_id,omitempty"` // "" when not encrypted
	Size       int64    `json:"manifest_bytes"`   // the manifest object's size
}

// Time is when the version's snapshot was taken.
func (v *Version) Time() time.Time { return time.Unix(0, v.CapturedAt).UTC() }

// segRef is one segment a version uses: its key, size and CRC32C.
type segRef struct {
	key  string
	size int64
	crc  uint32
}

// pageLoc says where a version keeps a page: frame n bytes long at byte
// off of segment seg (an index into the version's segment table).
type pageLoc struct {
	seg, off, n uint32
}

// version is a version manifest in memory.
type version struct {
	Version
	manifest *Manifest // page size, count, CRCs, snapshot, metadata backup
	segs     []segRef
	locs     []pageLoc // page pgno at index pgno-1
}

// encodeVersion serialises v for the object key, sealing each section
// with k when there is one. With countSelf, the manifest's own size is
// added to v.BytesUploaded first (the summary's size does not depend on
// the numbers in it), so that a run counts everything it sent without
// encoding a manifest twice: for a 10 GB database it is tens of MB.
func encodeVersion(v *version, key string, k *Key, countSelf bool) []byte {
	var segs []byte
	segs = binary.BigEndian.AppendUint32(segs, uint32(len(v.segs)))
	for _, s := range v.segs {
		segs = appendString(segs, s.key)
		segs = binary.BigEndian.AppendUint64(segs, uint64(s.size))
		segs = binary.BigEndian.AppendUint32(segs, s.crc)
	}
	// The body (page CRCs, metadata backup, locations: most of the
	// manifest) is written once, straight into the output, and sealed
	// there: for a 10 GB database it is tens of MB.
	mlen := manifestLen(v.manifest)
	bodyLen := 4 + mlen + locsLen(v.locs)
	secLen := func(n int) int {
		if k != nil {
			return n + sealOverhead
		}
		return n + 4
	}
	summary := encodeSummary(&v.Version)
	total := versionHeader + secLen(len(summary)) + secLen(len(segs)) + secLen(bodyLen)
	if countSelf {
		v.BytesUploaded += int64(total)
		summary = encodeSummary(&v.Version)
	}
	out := make([]byte, 0, total)
	out = append(out, versionMagic...)
	out = binary.BigEndian.AppendUint16(out, FormatVersion)
	var flags uint16
	if k != nil {
		flags |= flagEncrypted
	}
	out = binary.BigEndian.AppendUint16(out, flags)
	id := keyID(k)
	out = append(out, id[:]...)
	out = binary.BigEndian.AppendUint32(out, uint32(secLen(len(summary))))
	out = binary.BigEndian.AppendUint32(out, uint32(secLen(len(segs))))
	out = binary.BigEndian.AppendUint64(out, uint64(secLen(bodyLen)))
	hdr := out[:versionHeader:versionHeader]
	for _, s := range []struct {
		tag  byte
		data []byte
	}{{tagSummary, summary}, {tagSegments, segs}} {
		if k != nil {
			out = k.seal(out, s.data, sectionAAD(hdr, s.tag, key))
		} else {
			out = append(out, s.data...)
			out = binary.BigEndian.AppendUint32(out, crc32.Checksum(s.data, castagnoli))
		}
	}
	start := len(out)
	if k != nil {
		out = out[:start+nonceLen] // the nonce, filled when sealing
	}
	plain := len(out)
	out = binary.BigEndian.AppendUint32(out, uint32(mlen))
	out = appendManifest(out, v.manifest)
	out = appendLocs(out, v.locs)
	if len(out)-plain != bodyLen {
		panic(fmt.Sprintf("backup: version body of %d bytes, %d computed", len(out)-plain, bodyLen))
	}
	if k != nil {
		return k.sealTail(out, start, sectionAAD(hdr, tagBody, key))
	}
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out[plain:], castagnoli))
}

func sectionAAD(hdr []byte, tag byte, key string) []byte {
	b := append([]byte(nil), hdr[:versionHeader]...)
	b = append(b, tag)
	return append(b, key...)
}

func encodeSummary(v *Version) []byte {
	var b []byte
	b = appendString(b, v.ID)
	b = appendString(b, v.Base)
	b = binary.BigEndian.AppendUint64(b, uint64(v.CapturedAt))
	b = binary.BigEndian.AppendUint32(b, uint32(v.PageSize))
	b = binary.BigEndian.AppendUint32(b, v.PageCount)
	b = binary.BigEndian.AppendUint32(b, v.PagesUploaded)
	b = binary.BigEndian.AppendUint64(b, uint64(v.BytesUploaded))
	b = binary.BigEndian.AppendUint32(b, uint32(v.SegmentsUploaded))
	b = append(b, v.Digest[:]...)
	return append(b, v.PageDigest[:]...)
}

// appendLocs encodes the page locations compactly: per page the segment
// index (varint of the difference from the previous page's), the offset
// (varint of the difference from where the previous page's frame ended,
// when in the same segment; else from the segment's first frame) and the
// frame length. A full backup's pages follow each other in their
// segments, so most pages take 3-4 bytes.
func appendLocs(b []byte, locs []pageLoc) []byte {
	var prev pageLoc
	for i, l := range locs {
		b = binary.AppendVarint(b, int64(l.seg)-int64(prev.seg))
		b = binary.AppendVarint(b, int64(l.off)-expectedOff(i, prev, l.seg))
		b = binary.AppendUvarint(b, uint64(l.n))
		prev = l
	}
	return b
}

// locsLen is the length of appendLocs's encoding of locs.
func locsLen(locs []pageLoc) int {
	n := 0
	var prev pageLoc
	for i, l := range locs {
		n += varintLen(int64(l.seg)-int64(prev.seg)) + varintLen(int64(l.off)-expectedOff(i, prev, l.seg)) + uvarintLen(uint64(l.n))
		prev = l
	}
	return n
}

func varintLen(x int64) int {
	ux := uint64(x) << 1
	if x < 0 {
		ux = ^ux
	}
	return uvarintLen(ux)
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// expectedOff is where page i's frame is expected to start: right after
// the previous page's in the same segment, else at the first frame.
func expectedOff(i int, prev pageLoc, seg uint32) int64 {
	if i > 0 && seg == prev.seg {
		return int64(prev.off) + int64(prev.n)
	}
	return segmentHeader
}

// versionReader reads the sections of a version manifest from untrusted
// bytes.
type versionReader struct {
	key   string // object key
	k     *Key
	hdr   []byte
	lens  [3]uint64
	flags uint16
}

// parseVersionHeader checks the fixed header of the version manifest key
// (magic, version, flags, key) and the section lengths against size, the
// object's size.
func parseVersionHeader(key string, b []byte, size int64, k *Key) (*versionReader, error) {
	if len(b) < 8 || string(b[:8]) != versionMagic {
		return nil, objectErr(key, 0, ErrNotBackup, "no version manifest magic")
	}
	if len(b) < versionHeader {
		return nil, objectErr(key, int64(len(b)), pagefile.ErrTruncated, "manifest ends inside its header")
	}
	be := binary.BigEndian
	if v := be.Uint16(b[8:]); v != FormatVersion {
		if v > FormatVersion {
			return nil, objectErr(key, 8, master.ErrVersion, "format version %d; this dbrescue reads version %d", v, FormatVersion)
		}
		return nil, objectErr(key, 8, pagefile.ErrBadValue, "format version %d", v)
	}
	r := &versionReader{key: key, k: k, hdr: b[:versionHeader], flags: be.Uint16(b[10:])}
	if r.flags&^flagEncrypted != 0 {
		return nil, objectErr(key, 10, pagefile.ErrBadValue, "unknown flags %#x", r.flags)
	}
	var id [8]byte
	copy(id[:], b[12:20])
	if (r.flags&flagEncrypted != 0) != (id != [8]byte{}) {
		return nil, objectErr(key, 10, pagefile.ErrBadValue, "encryption flag and key id disagree")
	}
	if err := checkKey(id, k); err != nil {
		return nil, objectErr(key, 12, err, "version manifest: %v", err)
	}
	r.lens = [3]uint64{uint64(be.Uint32(b[20:])), uint64(be.Uint32(b[24:])), be.Uint64(b[28:])}
	if r.lens[0] > maxSummary+sealOverhead || r.lens[1] > maxSegmentTable+sealOverhead {
		return nil, objectErr(key, 20, pagefile.ErrBadValue, "section lengths %d, %d", r.lens[0], r.lens[1])
	}
	if total := versionHeader + r.lens[0] + r.lens[1] + r.lens[2]; r.lens[2] > uint64(size) || total != uint64(size) {
		return nil, objectErr(key, 20, pagefile.ErrTruncated, "sections of %d, %d and %d bytes do not make the %d-byte object", r.lens[0], r.lens[1], r.lens[2], size)
	}
	return r, nil
}

// headLen is how many bytes from the start hold the header, the summary
// and the segment table.
func (r *versionReader) headLen() int64 { return int64(versionHeader + r.lens[0] + r.lens[1]) }

// section returns the plaintext of section i (0 summary, 1 segment
// table, 2 body), whose bytes are b (from the object's start).
func (r *versionReader) section(b []byte, i int) ([]byte, error) {
	start := uint64(versionHeader)
	for j := range i {
		start += r.lens[j]
	}
	end := start + r.lens[i]
	if uint64(len(b)) < end {
		return nil, objectErr(r.key, int64(len(b)), pagefile.ErrTruncated, "manifest ends inside a section")
	}
	data := b[start:end]
	tag := []byte{tagSummary, tagSegments, tagBody}[i]
	name := []string{"summary", "segment table", "body"}[i]
	if r.k != nil {
		plain, err := r.k.open(nil, data, sectionAAD(r.hdr, tag, r.key))
		if err != nil {
			return nil, objectErr(r.key, int64(start), err, "%s: %v", name, err)
		}
		return plain, nil
	}
	if len(data) < 4 {
		return nil, objectErr(r.key, int64(start), pagefile.ErrTruncated, "%s of %d bytes", name, len(data))
	}
	plain := data[:len(data)-4]
	if got, want := crc32.Checksum(plain, castagnoli), binary.BigEndian.Uint32(data[len(plain):]); got != want {
		return nil, objectErr(r.key, int64(end-4), pagefile.ErrChecksum, "%s CRC32C %08x, computed %08x", name, want, got)
	}
	return plain, nil
}

// decodeSummary parses a summary section.
func (r *versionReader) decodeSummary(plain []byte) (Version, error) {
	var v Version
	rd := reader{b: plain}
	v.ID = rd.str(maxIDLen)
	v.Base = rd.str(maxIDLen)
	const fixed = 8 + 4 + 4 + 4 + 8 + 4 + 32 + 32
	if rd.err == nil && len(plain)-rd.off != fixed {
		rd.fail(pagefile.ErrBadValue, "summary has %d bytes after the ids, want %d", len(plain)-rd.off, fixed)
	}
	if rd.err != nil {
		return v, r.wrap(rd.err, "summary")
	}
	be := binary.BigEndian
	b := plain[rd.off:]
	v.CapturedAt = int64(be.Uint64(b))
	v.PageSize = int(be.Uint32(b[8:]))
	v.PageCount = be.Uint32(b[12:])
	v.PagesUploaded = be.Uint32(b[16:])
	v.BytesUploaded = int64(be.Uint64(b[20:]))
	v.SegmentsUploaded = int(be.Uint32(b[28:]))
	copy(v.Digest[:], b[32:64])
	copy(v.PageDigest[:], b[64:96])
	if r.flags&flagEncrypted != 0 {
		v.KeyID = r.k.ID()
	}
	if want := versionKey(v.ID); want != r.key {
		return v, objectErr(r.key, versionHeader, pagefile.ErrBadValue, "manifest of version %q stored as %s", v.ID, r.key)
	}
	return v, nil
}

// decodeSegments parses a segment table section.
func (r *versionReader) decodeSegments(plain []byte) ([]segRef, error) {
	rd := reader{b: plain}
	n := rd.u32()
	// A key takes at least 2+len("segments/x.seg") bytes, plus 12.
	if rd.err == nil && uint64(n)*(2+14+12) > uint64(len(plain)-rd.off) {
		rd.fail(pagefile.ErrTruncated, "%d segments do not fit in %d bytes", n, len(plain)-rd.off)
	}
	if rd.err != nil {
		return nil, r.wrap(rd.err, "segment table")
	}
	segs := make([]segRef, n)
	for i := range segs {
		segs[i].key = rd.str(maxKeyLen)
		if rd.err == nil && (!strings.HasPrefix(segs[i].key, segmentDir) || !strings.HasSuffix(segs[i].key, segmentExt) || remote.CheckKey(segs[i].key) != nil) {
			rd.fail(pagefile.ErrBadValue, "segment key %q", segs[i].key)
		}
		hi, lo := rd.u32(), rd.u32()
		segs[i].size = int64(hi)<<32 | int64(lo)
		segs[i].crc = rd.u32()
		if rd.err == nil && (segs[i].size < segmentHeader || segs[i].size > maxSegmentSize) {
			rd.fail(pagefile.ErrBadValue, "segment %s of %d bytes", segs[i].key, segs[i].size)
		}
		if rd.err != nil {
			return nil, r.wrap(rd.err, "segment table")
		}
	}
	if rd.off != len(plain) {
		return nil, objectErr(r.key, 0, pagefile.ErrBadValue, "segment table: %d bytes left over", len(plain)-rd.off)
	}
	return segs, nil
}

// decodeBody parses a body section: the Manifest (page CRCs, snapshot,
// metadata backup) and every page's location, which must lie inside a
// segment of the table.
func (r *versionReader) decodeBody(plain []byte, segs []segRef) (*Manifest, []pageLoc, error) {
	rd := reader{b: plain}
	n := rd.u32()
	if rd.err == nil && uint64(n) > uint64(len(plain)-rd.off) {
		rd.fail(pagefile.ErrTruncated, "manifest of %d bytes in %d", n, len(plain)-rd.off)
	}
	if rd.err != nil {
		return nil, nil, r.wrap(rd.err, "body")
	}
	m, err := DecodeManifest(plain[rd.off : rd.off+int(n)])
	if err != nil {
		return nil, nil, objectErr(r.key, 0, pagefile.ErrBadValue, "body: %v", err)
	}
	b := plain[rd.off+int(n):]
	// Each location takes at least 3 bytes.
	if uint64(m.PageCount)*3 > uint64(len(b)) {
		return nil, nil, objectErr(r.key, 0, pagefile.ErrTruncated, "%d page locations do not fit in %d bytes", m.PageCount, len(b))
	}
	locs := make([]pageLoc, m.PageCount)
	var prev pageLoc
	pos := 0
	for i := range locs {
		d1, k1 := binary.Varint(b[pos:])
		if k1 <= 0 {
			return nil, nil, objectErr(r.key, 0, pagefile.ErrBadValue, "location of page %d", i+1)
		}
		pos += k1
		d2, k2 := binary.Varint(b[pos:])
		if k2 <= 0 {
			return nil, nil, objectErr(r.key, 0, pagefile.ErrBadValue, "location of page %d", i+1)
		}
		pos += k2
		ln, k3 := binary.Uvarint(b[pos:])
		if k3 <= 0 {
			return nil, nil, objectErr(r.key, 0, pagefile.ErrBadValue, "location of page %d", i+1)
		}
		pos += k3
		seg := int64(prev.seg) + d1
		if seg < 0 || seg >= int64(len(segs)) {
			return nil, nil, objectErr(r.key, 0, pagefile.ErrBadValue, "page %d in segment %d of %d", i+1, seg, len(segs))
		}
		off := expectedOff(i, prev, uint32(seg)) + d2
		if off < segmentHeader || ln == 0 || ln > uint64(maxFrame(m.PageSize)) || uint64(off)+ln > uint64(segs[seg].size) {
			return nil, nil, objectErr(r.key, 0, pagefile.ErrBadValue, "page %d: frame %d+%d outside segment %s (%d bytes)", i+1, off, ln, segs[seg].key, segs[seg].size)
		}
		locs[i] = pageLoc{seg: uint32(seg), off: uint32(off), n: uint32(ln)}
		prev = locs[i]
	}
	if pos != len(b) {
		return nil, nil, objectErr(r.key, 0, pagefile.ErrBadValue, "body: %d bytes left over", len(b)-pos)
	}
	return m, locs, nil
}

func (r *versionReader) wrap(err error, section string) error {
	if fe, ok := err.(*FormatError); ok {
		return objectErr(r.key, fe.Offset, fe.Err, "%s: %s", section, fe.Reason)
	}
	return err
}

// decodeVersion parses and checks a whole version manifest, the object
// key of size len(b): every section's checksum (or authentication), the
// summary against the body, every location against the segment table.
func decodeVersion(key string, b []byte, k *Key) (*version, error) {
	r, err := parseVersionHeader(key, b, int64(len(b)), k)
	if err != nil {
		return nil, err
	}
	var plains [3][]byte
	for i := range plains {
		if plains[i], err = r.section(b, i); err != nil {
			return nil, err
		}
	}
	v := &version{}
	if v.Version, err = r.decodeSummary(plains[0]); err != nil {
		return nil, err
	}
	v.Size = int64(len(b))
	if v.segs, err = r.decodeSegments(plains[1]); err != nil {
		return nil, err
	}
	if v.manifest, v.locs, err = r.decodeBody(plains[2], v.segs); err != nil {
		return nil, err
	}
	m := v.manifest
	if m.PageSize != v.PageSize || m.PageCount != v.PageCount || m.Snapshot.Digest != v.PageDigest || m.Snapshot.CapturedAt != v.CapturedAt {
		return nil, objectErr(key, versionHeader, pagefile.ErrBadValue, "summary (%d pages of %d) does not match the body (%d of %d)", v.PageCount, v.PageSize, m.PageCount, m.PageSize)
	}
	return v, nil
}
