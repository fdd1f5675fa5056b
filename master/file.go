package master

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/pagefile"
)

// castagnoli is the CRC32C table of the file's own checksums.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// File layout constants; see doc.go.
const (
	magic          = "DBRMETA\x00"
	FormatVersion  = 3
	flagSchemaOnly = 1
	// flagCounts mirrors Meta.Counts, so that Unchanged, which reads only
	// the prefix, can tell a backup that lacks them.
	flagCounts = 2
	// maxBody bounds the decompressed body a reader accepts: a backup of a
	// database with a billion pages stays below it, a decompression bomb
	// does not get further.
	maxBody = 1 << 30
	// maxFingerprint bounds the fingerprint section (its fields are small).
	maxFingerprint = 4096
)

// PrevSuffix names the previous generation of a metadata backup file.
const PrevSuffix = outputs.SuffixPrev

// Encode serialises m in the metadata backup format.
func Encode(m *Meta) ([]byte, error) {
	fp := encodeFingerprint(m.Fingerprint)
	if len(fp) > maxFingerprint {
		return nil, fmt.Errorf("master: fingerprint of %d bytes", len(fp))
	}
	if err := checkCounts(m); err != nil {
		return nil, err
	}
	body := encodeBody(m)
	var zbuf bytes.Buffer
	zw, err := flate.NewWriter(&zbuf, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	var flags uint16
	if m.SchemaOnly {
		flags |= flagSchemaOnly
	}
	if m.Counts {
		flags |= flagCounts
	}
	out := make([]byte, 0, 40+len(fp)+zbuf.Len())
	out = append(out, magic...)
	out = binary.BigEndian.AppendUint16(out, FormatVersion)
	out = binary.BigEndian.AppendUint16(out, flags)
	out = binary.BigEndian.AppendUint32(out, uint32(len(fp)))
	out = append(out, fp...)
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
	out = binary.BigEndian.AppendUint64(out, uint64(len(body)))
	out = binary.BigEndian.AppendUint64(out, uint64(zbuf.Len()))
	out = append(out, zbuf.Bytes()...)
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
	return out, nil
}

// Decode parses a whole metadata backup file, verifying its magic, format
// version, both checksums and every length before using it.
func Decode(b []byte) (*Meta, error) {
	fp, rest, err := decodePrefix(b)
	if err != nil {
		return nil, err
	}
	prefixLen := len(b) - len(rest)
	if len(rest) < 20 {
		return nil, formatErr(int64(prefixLen), pagefile.ErrTruncated, "file ends before the body header")
	}
	rawLen := binary.BigEndian.Uint64(rest[0:])
	zLen := binary.BigEndian.Uint64(rest[8:])
	if got, want := crc32.Checksum(b[:len(b)-4], castagnoli), binary.BigEndian.Uint32(b[len(b)-4:]); got != want {
		if zLen > uint64(len(rest)-20) {
			// A file cut short cannot match its checksum; say so, for
			// the cause is not a changed byte but missing ones.
			return nil, formatErr(int64(len(b)), pagefile.ErrTruncated, "file ends %d bytes into a compressed body of %d", len(rest)-20, zLen)
		}
		return nil, formatErr(int64(len(b)-4), pagefile.ErrChecksum, "whole-file CRC32C %08x, computed %08x", want, got)
	}
	if zLen != uint64(len(rest)-20) {
		return nil, formatErr(int64(prefixLen+8), pagefile.ErrBadValue, "compressed body length %d, %d bytes present", zLen, len(rest)-20)
	}
	if rawLen > maxBody {
		return nil, formatErr(int64(prefixLen), pagefile.ErrBadValue, "body length %d exceeds %d", rawLen, maxBody)
	}
	body, err := inflate(rest[16:len(rest)-4], rawLen)
	if err != nil {
		return nil, formatErr(int64(prefixLen+16), pagefile.ErrBadValue, "body does not decompress: %v", err)
	}
	m, err := decodeBody(body, binary.BigEndian.Uint16(b[8:]))
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			fe.Body = true
		}
		return nil, err
	}
	m.Fingerprint = fp
	flags := binary.BigEndian.Uint16(b[10:])
	if m.SchemaOnly != (flags&flagSchemaOnly != 0) {
		return nil, formatErr(10, pagefile.ErrBadValue, "schema-only flag disagrees with the body")
	}
	if m.Counts != (flags&flagCounts != 0) {
		return nil, formatErr(10, pagefile.ErrBadValue, "counts flag disagrees with the body")
	}
	return m, nil
}

// inflate decompresses exactly n bytes, allocating as data arrives rather
// than trusting n up front.
func inflate(z []byte, n uint64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(n, 16<<20)))
	got, err := io.Copy(&buf, io.LimitReader(flate.NewReader(bytes.NewReader(z)), int64(n)+1))
	if err != nil {
		return nil, err
	}
	if uint64(got) != n {
		return nil, fmt.Errorf("%d bytes, header says %d", got, n)
	}
	return buf.Bytes(), nil
}

// decodePrefix checks magic, version (1 or 2: the versions differ only in
// the body) and the fingerprint section with its own CRC, and returns the
// fingerprint and the bytes after it.
func decodePrefix(b []byte) (Fingerprint, []byte, error) {
	if len(b) < len(magic) && string(b) == magic[:len(b)] {
		return Fingerprint{}, nil, formatErr(int64(len(b)), pagefile.ErrTruncated, "file ends inside the magic")
	}
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return Fingerprint{}, nil, formatErr(0, ErrNotMeta, "no metadata backup magic")
	}
	if len(b) < 16 {
		return Fingerprint{}, nil, formatErr(int64(len(b)), pagefile.ErrTruncated, "file ends inside the header")
	}
	if v := binary.BigEndian.Uint16(b[8:]); v < 1 || v > FormatVersion {
		if v > FormatVersion {
			return Fingerprint{}, nil, formatErr(8, ErrVersion, "format version %d; this dbrescue reads versions 1 to %d", v, FormatVersion)
		}
		return Fingerprint{}, nil, formatErr(8, pagefile.ErrBadValue, "format version %d", v)
	}
	n := binary.BigEndian.Uint32(b[12:])
	if n > maxFingerprint {
		return Fingerprint{}, nil, formatErr(12, pagefile.ErrBadValue, "fingerprint length %d", n)
	}
	end := 16 + int(n)
	if len(b) < end+4 {
		return Fingerprint{}, nil, formatErr(int64(len(b)), pagefile.ErrTruncated, "file ends inside the fingerprint")
	}
	if got, want := crc32.Checksum(b[:end], castagnoli), binary.BigEndian.Uint32(b[end:]); got != want {
		return Fingerprint{}, nil, formatErr(int64(end), pagefile.ErrChecksum, "header CRC32C %08x, computed %08x", want, got)
	}
	fp, err := decodeFingerprint(b[16:end])
	if err != nil {
		return Fingerprint{}, nil, err
	}
	return fp, b[end+4:], nil
}

func encodeFingerprint(f Fingerprint) []byte {
	e := &encoder{}
	e.bytes(f.DBHeader)
	e.int(f.DBSize)
	e.int(f.DBModNano)
	e.int(f.WALSize)
	e.int(f.WALModNano)
	e.bytes(f.WALHeader)
	return e.b
}

func decodeFingerprint(b []byte) (Fingerprint, error) {
	d := &decoder{b: b}
	f := Fingerprint{DBHeader: d.bytes(), DBSize: d.int(), DBModNano: d.int(), WALSize: d.int(), WALModNano: d.int(), WALHeader: d.bytes()}
	if d.err == nil && d.off != len(b) {
		d.fail("%d bytes after the fingerprint", len(b)-d.off)
	}
	if d.err != nil {
		d.err.(*FormatError).Offset += 16
		return Fingerprint{}, d.err
	}
	return f, nil
}

// ReadFile reads and verifies one metadata backup file.
func ReadFile(path string) (*Meta, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Decode(b)
	return m, WithPath(err, path)
}

// ReadLatest reads the newest valid generation: path itself, or when that
// is missing or damaged, the previous generation path+PrevSuffix. It
// returns the path it used; when both fail the error names both.
func ReadLatest(path string) (*Meta, string, error) {
	m, err := ReadFile(path)
	if err == nil {
		return m, path, nil
	}
	prev := path + PrevSuffix
	m, perr := ReadFile(prev)
	if perr == nil {
		return m, prev, nil
	}
	return nil, "", fmt.Errorf("%w; previous generation: %w", err, perr)
}

// ReadFingerprint reads only the fingerprint section of a backup file (a
// few hundred bytes), verified by its own checksum.
func ReadFingerprint(path string) (Fingerprint, error) {
	fp, _, err := readFingerprint(path)
	return fp, err
}

// readFingerprint also reports the header flags (flagSchemaOnly, ...).
func readFingerprint(path string) (Fingerprint, uint16, error) {
	f, err := os.Open(path)
	if err != nil {
		return Fingerprint{}, 0, err
	}
	defer f.Close()
	buf := make([]byte, 20+maxFingerprint)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		return Fingerprint{}, 0, err
	}
	fp, _, err := decodePrefix(buf[:n])
	if err != nil {
		return Fingerprint{}, 0, WithPath(err, path)
	}
	return fp, binary.BigEndian.Uint16(buf[10:]), nil
}

// WriteFile writes m to path atomically, keeping the file it replaces as
// path+PrevSuffix when that file is a valid backup (a damaged one is not
// allowed to push out a good previous generation). The new content goes to
// a temporary file in the same directory, is synced, and only then takes
// the place of path; the directory is synced last. A crash at any moment
// leaves a readable generation: the old file (as path or as
// path+PrevSuffix) until the final rename, the new one after it.
//
// path and path+PrevSuffix may not be m.Source or a file that belongs to
// it (its -wal, -shm, -journal), whatever the path's spelling, links
// included: that is an *outputs.ConflictError and nothing is written.
func WriteFile(path string, m *Meta) error {
	if m.Source != "" {
		if err := outputs.Check(new(outputs.Files).Database(m.Source), new(outputs.Files).Meta(path)); err != nil {
			return fmt.Errorf("master: %w", err)
		}
	}
	data, err := Encode(m)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := fsutil.CreateTemp(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if _, err := ReadFile(path); err == nil {
		if err := os.Rename(path, path+PrevSuffix); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	removeStaleTemps(dir, base)
	return fsutil.SyncDir(dir)
}

// removeStaleTemps deletes temporary files that writers killed before
// their rename left behind. Recent ones may belong to a writer still at
// work and are left alone.
func removeStaleTemps(dir, base string) {
	stale, _ := filepath.Glob(filepath.Join(dir, base+".tmp-*"))
	for _, p := range stale {
		if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > staleTempAge {
			_ = os.Remove(p)
		}
	}
}

// staleTempAge is how old a leftover temporary file must be to be removed.
const staleTempAge = 10 * time.Minute
