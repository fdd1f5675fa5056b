package corpus

import (
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/pagefile"
)

// Approximate database sizes. The generator scales the number of contacts,
// conversations, messages and attachments to the size; the file lands
// within a few tens of percent of it (more for large pages, where every
// b-tree costs at least one page).
const (
	SizeSmall  int64 = 100 << 10 // ~100 KB: a fresh install
	SizeMedium int64 = 4 << 20   // ~4 MB: a few weeks of use
	SizeLarge  int64 = 200 << 20 // ~200 MB: a heavy user's phone
)

// Text encodings a Spec can ask for, named as pagefile.EncodingName names
// them.
const (
	UTF8    = "UTF-8"
	UTF16LE = "UTF-16le"
	UTF16BE = "UTF-16be"
)

// Spec chooses the geometry and content of a generated database. The zero
// value of every field but Seed picks the default: 4096-byte pages, UTF-8,
// no auto_vacuum, no reserved bytes, rollback journal, no deletions, small.
type Spec struct {
	// Seed drives every generated value. Same Spec, same bytes.
	Seed uint64
	// Bytes is the approximate size of the database (see SizeSmall...).
	Bytes int64
	// PageSize is a power of two from 512 to 65536.
	PageSize int
	// Encoding is UTF8, UTF16LE or UTF16BE.
	Encoding string
	// AutoVacuum is "none", "full" or "incremental".
	AutoVacuum string
	// Reserved is the number of bytes reserved at the end of every page,
	// as SQLCipher and WCDB databases have.
	Reserved int
	// WAL leaves the database in WAL mode with the last transactions in
	// the -wal file, not checkpointed, followed by the frames of a
	// transaction that never committed, as a crash leaves them.
	WAL bool
	// Deletes removes one whole conversation (its pages go to the
	// freelist) and scattered single messages (freeblocks on pages).
	Deletes bool
	// Search adds message_search, an FTS5 full-text index of the message
	// bodies, as a messenger's search box has.
	Search bool
}

// withDefaults fills the zero fields.
func (s Spec) withDefaults() Spec {
	if s.Bytes == 0 {
		s.Bytes = SizeSmall
	}
	if s.PageSize == 0 {
		s.PageSize = 4096
	}
	if s.Encoding == "" {
		s.Encoding = UTF8
	}
	if s.AutoVacuum == "" {
		s.AutoVacuum = "none"
	}
	return s
}

// validate reports a Spec SQLite cannot build.
func (s Spec) validate() error {
	switch {
	case !pagefile.ValidPageSize(s.PageSize):
		return fmt.Errorf("corpus: page size %d is not a power of two from 512 to 65536", s.PageSize)
	case s.Reserved < 0 || s.Reserved > 255 || s.PageSize-s.Reserved < 480:
		return fmt.Errorf("corpus: %d reserved bytes do not fit a %d-byte page", s.Reserved, s.PageSize)
	case s.encodingCode() == 0:
		return fmt.Errorf("corpus: encoding %q is not %s, %s or %s", s.Encoding, UTF8, UTF16LE, UTF16BE)
	case s.AutoVacuum != "none" && s.AutoVacuum != "full" && s.AutoVacuum != "incremental":
		return fmt.Errorf("corpus: auto_vacuum %q is not none, full or incremental", s.AutoVacuum)
	case s.Bytes < 0 || s.Bytes > 4<<30:
		return fmt.Errorf("corpus: size %d bytes outside 0 to 4 GiB", s.Bytes)
	}
	return nil
}

// encodingCode is the header value for the encoding, or 0 if unknown.
func (s Spec) encodingCode() uint32 {
	for _, e := range []uint32{pagefile.EncodingUTF8, pagefile.EncodingUTF16LE, pagefile.EncodingUTF16BE} {
		if strings.EqualFold(s.Encoding, pagefile.EncodingName(e)) {
			return e
		}
	}
	return 0
}

// Name is a file-name-safe label that tells the Specs of a matrix apart,
// e.g. "messenger-s1-ps4096-utf8-avnone-r0-100k-wal-del".
func (s Spec) Name() string {
	s = s.withDefaults()
	enc := strings.NewReplacer("-", "", "UTF", "utf").Replace(s.Encoding)
	name := fmt.Sprintf("messenger-s%d-ps%d-%s-av%s-r%d-%s", s.Seed, s.PageSize, enc, s.AutoVacuum, s.Reserved, sizeLabel(s.Bytes))
	if s.WAL {
		name += "-wal"
	}
	if s.Deletes {
		name += "-del"
	}
	if s.Search {
		name += "-fts"
	}
	return name
}

func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dm", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dk", n>>10)
	}
	return fmt.Sprintf("%db", n)
}
