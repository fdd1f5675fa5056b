package backup

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Segment object layout; see doc.go.
const (
	segmentMagic  = "DBRSEGM\x00"
	segmentHeader = 24
	flagEncrypted = 1
	// Frame methods: how the page is stored in a frame.
	frameStored = 0
	frameZstd   = 1
)

// maxFrame is the largest frame a page of ps bytes can take: a page that
// does not compress is stored as it is, after its method byte, and
// sealing adds its overhead.
func maxFrame(ps int) int { return 1 + ps + sealOverhead }

// zstd is the page compressor: per page, at its fastest level, which on
// the 2-core development machine compresses at several hundred MB/s and
// detects incompressible pages quickly (they are stored as they are).
// One encoder and one decoder serve every goroutine (EncodeAll and
// DecodeAll are safe for concurrent use); the decoder refuses to produce
// more than a page, so a hostile frame cannot make it allocate more.
var (
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(2),
			zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false))
		if err != nil {
			panic(err) // only for invalid options
		}
		return e
	})
	// zstdLiterals skips zstd's entropy stage (Huffman codes for the
	// literals), for pages whose bytes look random: there it costs most of
	// the time and saves nothing (see highEntropy).
	zstdLiterals = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(2),
			zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false), zstd.WithNoEntropyCompression(true))
		if err != nil {
			panic(err)
		}
		return e
	})
	zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(4), zstd.WithDecoderMaxMemory(1<<16), zstd.WithDecoderMaxWindow(1<<16))
		if err != nil {
			panic(err)
		}
		return d
	})
)

// segmentWriter packs pages into one segment object in memory: the
// header, then one frame per page (compressed when that saves space,
// sealed when there is a key).
type segmentWriter struct {
	key     string // object key, which sealed frames are bound to
	buf     []byte
	ps      int
	k       *Key
	scratch []byte
	pages   int
}

// reset starts a new segment named key in buf's storage.
func (w *segmentWriter) reset(key string, buf []byte, ps int, k *Key) {
	w.key, w.ps, w.k, w.pages = key, ps, k, 0
	buf = append(buf[:0], segmentMagic...)
	w.buf = buf
	w.buf = binary.BigEndian.AppendUint16(w.buf, FormatVersion)
	var flags uint16
	if k != nil {
		flags |= flagEncrypted
	}
	w.buf = binary.BigEndian.AppendUint16(w.buf, flags)
	w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(ps))
	id := keyID(k)
	w.buf = append(w.buf, id[:]...)
}

// add appends page as a frame and returns where it went.
func (w *segmentWriter) add(page []byte) pageLoc {
	off := len(w.buf)
	plain := w.scratch[:0]
	plain = append(plain, frameZstd)
	enc := zstdEncoder()
	if highEntropy(page) {
		enc = zstdLiterals()
	}
	plain = enc.EncodeAll(page, plain)
	if len(plain) > len(page) {
		plain = append(plain[:0], frameStored)
		plain = append(plain, page...)
	}
	w.scratch = plain
	if w.k != nil {
		w.buf = w.k.seal(w.buf, plain, frameAAD(w.key, int64(off)))
	} else {
		w.buf = append(w.buf, plain...)
	}
	w.pages++
	return pageLoc{off: uint32(off), n: uint32(len(w.buf) - off)}
}

// size is the segment's length so far.
func (w *segmentWriter) size() int { return len(w.buf) }

// entropyThreshold is the byte entropy (bits a byte, over every fourth
// byte of a page) above which a page is compressed without zstd's entropy
// stage. Measured on 4 KiB pages: the benchmark's pages (3,000 random
// bytes in each row) sit near 6.7 bits and compress to the same 1.35x
// either way, 3.5 times faster without it; pages of text sit near 4.5
// bits and compress 1.40x with it, 1.06x without.
const entropyThreshold = 6.0

// entropyTerms[c] is c·log2(c), for highEntropy.
var entropyTerms = sync.OnceValue(func() *[maxEntropySample + 1]float64 {
	var t [maxEntropySample + 1]float64
	for c := 1; c <= maxEntropySample; c++ {
		t[c] = float64(c) * math.Log2(float64(c))
	}
	return &t
})

const maxEntropySample = 1 << 14 // every fourth byte of a 64 KiB page

// highEntropy reports whether page's bytes look random: the Shannon
// entropy of a sample of every fourth byte exceeds entropyThreshold.
func highEntropy(page []byte) bool {
	var h [256]uint16
	n := 0
	for i := 0; i < len(page); i += 4 {
		h[page[i]]++
		n++
	}
	if n == 0 {
		return false
	}
	t := entropyTerms()
	s := 0.0
	for _, c := range h {
		s += t[c]
	}
	return math.Log2(float64(n))-s/float64(n) > entropyThreshold
}

// frameAAD binds a sealed frame to its object and offset.
func frameAAD(key string, off int64) []byte {
	b := append([]byte("DBRFRAME"), key...)
	return binary.BigEndian.AppendUint64(b, uint64(off))
}

// checkSegmentHeader checks the first segmentHeader bytes of the segment
// key: magic, version, page size and key.
func checkSegmentHeader(key string, b []byte, ps int, k *Key) error {
	if len(b) < segmentHeader {
		return objectErr(key, int64(len(b)), pagefile.ErrTruncated, "segment ends inside its %d-byte header", segmentHeader)
	}
	if string(b[:8]) != segmentMagic {
		return objectErr(key, 0, ErrNotBackup, "no segment magic")
	}
	be := binary.BigEndian
	if v := be.Uint16(b[8:]); v != FormatVersion {
		return objectErr(key, 8, master.ErrVersion, "segment format version %d; this dbrescue reads version %d", v, FormatVersion)
	}
	flags := be.Uint16(b[10:])
	if flags&^flagEncrypted != 0 {
		return objectErr(key, 10, pagefile.ErrBadValue, "unknown segment flags %#x", flags)
	}
	if got := int(be.Uint32(b[12:])); got != ps {
		return objectErr(key, 12, pagefile.ErrBadValue, "segment of %d-byte pages, the version's are %d", got, ps)
	}
	var id [8]byte
	copy(id[:], b[16:24])
	if (flags&flagEncrypted != 0) != (id != [8]byte{}) {
		return objectErr(key, 10, pagefile.ErrBadValue, "encryption flag and key id disagree")
	}
	if err := checkKey(id, k); err != nil {
		return objectErr(key, 16, err, "segment: %v", err)
	}
	return nil
}

// openFrame decodes the frame at offset off of the segment key into dst
// (one page of len(dst) bytes) and checks it against the CRC the
// manifest recorded.
func openFrame(key string, off int64, frame []byte, k *Key, want uint32, dst []byte, scratch []byte) ([]byte, error) {
	ps := len(dst)
	if len(frame) > maxFrame(ps) || len(frame) == 0 {
		return scratch, objectErr(key, off, pagefile.ErrBadValue, "frame of %d bytes for a %d-byte page", len(frame), ps)
	}
	plain := frame
	if k != nil {
		var err error
		if scratch, err = k.open(scratch[:0], frame, frameAAD(key, off)); err != nil {
			return scratch, objectErr(key, off, err, "frame: %v", err)
		}
		plain = scratch
	}
	if len(plain) == 0 {
		return scratch, objectErr(key, off, pagefile.ErrBadValue, "empty frame")
	}
	switch plain[0] {
	case frameStored:
		if len(plain) != 1+ps {
			return scratch, objectErr(key, off, pagefile.ErrBadValue, "stored frame of %d bytes for a %d-byte page", len(plain)-1, ps)
		}
		copy(dst, plain[1:])
	case frameZstd:
		out, err := zstdDecoder().DecodeAll(plain[1:], dst[:0])
		if err != nil {
			return scratch, objectErr(key, off, pagefile.ErrBadValue, "frame does not decompress: %v", err)
		}
		if len(out) != ps || &out[0] != &dst[0] {
			return scratch, objectErr(key, off, pagefile.ErrBadValue, "frame decompresses to %d bytes, not a %d-byte page", len(out), ps)
		}
	default:
		return scratch, objectErr(key, off, pagefile.ErrBadValue, "unknown frame method %d", plain[0])
	}
	if got := master.PageCRC(dst); got != want {
		return scratch, objectErr(key, off, pagefile.ErrChecksum, "page CRC32C %08x, the version recorded %08x", got, want)
	}
	return scratch, nil
}

// segmentCRC is the checksum of a whole segment object that the version
// manifest records.
func segmentCRC(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
