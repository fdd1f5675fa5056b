package btree

import (
	"github.com/dbrescue/dbrescue/pagefile"
)

// Reader reads b-tree pages, payloads and trees from a page source.
type Reader struct {
	src      pagefile.Source
	usable   int
	encoding uint32
}

// NewReader reads from src, whose pages have usable bytes each (page size
// minus reserved bytes), decoding text in the given pagefile encoding
// (EncodingUTF8, EncodingUTF16LE or EncodingUTF16BE).
func NewReader(src pagefile.Source, usable int, encoding uint32) *Reader {
	if encoding < pagefile.EncodingUTF8 || encoding > pagefile.EncodingUTF16BE {
		encoding = pagefile.EncodingUTF8
	}
	if usable > src.PageSize() {
		usable = src.PageSize()
	}
	return &Reader{src: src, usable: usable, encoding: encoding}
}

// ReaderFor reads the pages of an opened file with its geometry and encoding.
func ReaderFor(f *pagefile.File) *Reader {
	return NewReader(f, f.Usable(), f.TextEncoding())
}

// Source is the page source the reader reads from.
func (r *Reader) Source() pagefile.Source { return r.src }

// Usable is the usable size of each page.
func (r *Reader) Usable() int { return r.usable }

// Encoding is the text encoding records are decoded with.
func (r *Reader) Encoding() uint32 { return r.encoding }

// Page reads page pgno and parses its b-tree header.
func (r *Reader) Page(pgno uint32) (*Page, error) {
	buf := make([]byte, r.src.PageSize())
	if err := r.src.ReadPage(pgno, buf); err != nil {
		return nil, err
	}
	return ParsePage(pgno, buf, r.usable)
}

// Record decodes a payload as a record in the reader's text encoding.
func (r *Reader) Record(payload []byte) ([]any, error) {
	return DecodeRecord(payload, r.encoding)
}
