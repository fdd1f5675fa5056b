package btree

// pageSet is the set of pages a walk has used, so that no page serves
// twice. It keeps one bit a page, in chunks of 512 pages made as pages
// are added: a walk over a 10 GB file of 4 KiB pages holds about 330 KB,
// where a map of page numbers took some 40 bytes a page, and a hostile
// tree whose pages are scattered over a huge claimed page count costs a
// chunk per page it actually read, never the count.
type pageSet struct {
	chunks map[uint32]*[pageSetWords]uint64
}

// pageSetWords is the size of a chunk in 64-bit words.
const pageSetWords = 8

const pagesPerChunk = pageSetWords * 64

func (s *pageSet) has(pgno uint32) bool {
	c := s.chunks[pgno/pagesPerChunk]
	if c == nil {
		return false
	}
	bit := pgno % pagesPerChunk
	return c[bit/64]&(1<<(bit%64)) != 0
}

func (s *pageSet) add(pgno uint32) {
	if s.chunks == nil {
		s.chunks = map[uint32]*[pageSetWords]uint64{}
	}
	c := s.chunks[pgno/pagesPerChunk]
	if c == nil {
		c = new([pageSetWords]uint64)
		s.chunks[pgno/pagesPerChunk] = c
	}
	bit := pgno % pagesPerChunk
	c[bit/64] |= 1 << (bit % 64)
}
