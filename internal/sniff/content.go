package sniff

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SampleSize bounds how much of a file Content reads.
const SampleSize = 64 << 10

// headerSize is the size of SQLite's database header.
const headerSize = 100

// sqliteMagic starts every SQLite 3 database (package pagefile's Magic;
// repeated here as bytes so that sniffing needs no reader).
const sqliteMagic = "SQLite format 3\x00"

// Signatures of the files most often handed over in place of a database.
var (
	walMagicLE   = uint32(0x377f0682)
	walMagicBE   = uint32(0x377f0683)
	journalMagic = []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}
	gzipMagic    = []byte{0x1f, 0x8b}
	zipMagic     = []byte("PK\x03\x04")
)

// cipherPageSizes are the page sizes an encrypted database is tried
// against, most likely first: SQLCipher 4 and WCDB use 4096, SQLCipher 1-3
// 1024.
var cipherPageSizes = []int{4096, 1024, 8192, 16384, 32768, 65536, 2048, 512}

// minRandomSample is the least number of bytes whose byte entropy is
// told apart from other binary data.
const minRandomSample = 512

// Content says what the file held in r (size bytes) looks like from its
// first SampleSize bytes and its size. It reads no more than that, and
// an error reading counts as the bytes it got.
func Content(r io.ReaderAt, size int64) Finding {
	n := min(max(size, 0), SampleSize)
	buf := make([]byte, n)
	got, _ := r.ReadAt(buf, 0)
	return classify(buf[:max(got, 0)], size)
}

// classify is Content over the sample b of a file of size bytes.
func classify(b []byte, size int64) Finding {
	f := Finding{Size: size}
	switch {
	case len(b) == 0:
		f.Kind = Empty
	case bytes.HasPrefix(b, []byte(sqliteMagic)):
		f.Kind = SQLite
	case len(b) >= 4 && (binary.BigEndian.Uint32(b) == walMagicLE || binary.BigEndian.Uint32(b) == walMagicBE):
		f.Kind = WAL
	case bytes.HasPrefix(b, journalMagic):
		f.Kind = Journal
	case bytes.HasPrefix(b, gzipMagic):
		f.Kind = Gzip
	case bytes.HasPrefix(b, zipMagic):
		f.Kind = Zip
	case isZeros(b):
		f.Kind = Zeros
	case len(b) > headerSize && isZeros(b[:headerSize]):
		f.Kind = ZeroHeader
	case isText(b):
		f.Kind, f.Start = Text, firstLine(b)
	case looksRandom(b):
		f.Kind = Random
		if ps := pageMultiple(size); ps != 0 {
			f.Kind, f.PageSize = Encrypted, ps
		}
	default:
		f.Kind, f.Start = Binary, hex.EncodeToString(b[:min(len(b), 16)])
	}
	return f
}

func isZeros(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// isText reports whether b is UTF-8 text of printable characters and
// white space (a rune cut by the end of the sample is forgiven).
func isText(b []byte) bool {
	printable, total := 0, 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			if len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
				break
			}
			return false
		}
		total++
		if unicode.IsPrint(r) || r == '\n' || r == '\r' || r == '\t' {
			printable++
		}
		i += n
	}
	return total > 0 && printable*100 >= total*95
}

// firstLine is the start of the first non-blank line of text b, at most
// 40 characters.
func firstLine(b []byte) string {
	s := strings.TrimLeft(string(b), " \t\r\n")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}

// looksRandom reports whether the bytes of b are spread as evenly as
// random (or encrypted, or compressed) bytes are: a byte entropy close to
// the 8 bits per byte of uniform bytes. The bound allows for the shortfall
// a finite sample of uniform bytes has (about 184/n bits for n bytes).
func looksRandom(b []byte) bool {
	if len(b) < minRandomSample {
		return false
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h >= 8-3*184/n-0.02
}

// pageMultiple returns a plausible page size that size is a whole
// multiple of, or 0.
func pageMultiple(size int64) int {
	for _, ps := range cipherPageSizes {
		if size >= int64(ps) && size%int64(ps) == 0 {
			return ps
		}
	}
	return 0
}
