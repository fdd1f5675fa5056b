package backup

import (
	"bytes"
	"fmt"
	"os"

	"github.com/dbrescue/dbrescue/pagefile"
)

// hashPages returns the CRC32C of every page of src, reporting progress.
func hashPages(src pagefile.Source, o *Options) ([]uint32, error) {
	n := int(src.PageCount())
	crcs := make([]uint32, n)
	buf := make([]byte, src.PageSize())
	for i := range crcs {
		if err := src.ReadPage(uint32(i+1), buf); err != nil {
			return nil, fmt.Errorf("backup: page %d: %w", i+1, err)
		}
		crcs[i] = PageCRC(buf)
		if (i+1)%1024 == 0 || i+1 == n {
			o.progress(PhaseHash, i+1, n)
		}
	}
	return crcs, nil
}

// sealCopy makes the backup API's copy in tmp byte-identical to the
// snapshot and durable: the backup API stamps its own values into the
// copy's header (schema cookie, change counter, SQLite version), so page 1
// is written back as the snapshot holds it, which keeps every page of a
// backup comparable with the source by CRC. It checks the copy's size and
// returns its page CRCs.
func sealCopy(tmp string, snap *snapshot, o *Options) ([]uint32, error) {
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ps, count := snap.meta.Header.PageSize, snap.meta.Header.PageCount
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() != int64(ps)*int64(count) {
		return nil, fmt.Errorf("backup: the copy is %d bytes, the snapshot %d pages of %d", st.Size(), count, ps)
	}
	head := make([]byte, ps)
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, err
	}
	// Only header fields may differ; the rest of page 1 must be the same.
	if !bytes.Equal(head[100:], snap.page1[100:]) {
		return nil, fmt.Errorf("backup: page 1 of the copy differs from the snapshot's beyond the header")
	}
	if _, err := f.WriteAt(snap.page1, 0); err != nil {
		return nil, err
	}
	crcs, err := hashFile(f, ps, int(count), o)
	if err != nil {
		return nil, err
	}
	return crcs, f.Sync()
}

// hashFile returns the CRC32C of each of the count pages of f, reading it
// in large chunks (the copy was just written, so it is in the page cache).
func hashFile(f *os.File, ps, count int, o *Options) ([]uint32, error) {
	crcs := make([]uint32, count)
	per := max(1, (4<<20)/ps)
	buf := make([]byte, per*ps)
	for first := 0; first < count; first += per {
		n := min(per, count-first)
		chunk := buf[:n*ps]
		if _, err := f.ReadAt(chunk, int64(first)*int64(ps)); err != nil {
			return nil, fmt.Errorf("backup: reading the copy: %w", err)
		}
		for i := 0; i < n; i++ {
			crcs[first+i] = PageCRC(chunk[i*ps : (i+1)*ps])
		}
		o.progress(PhaseHash, first+n, count)
	}
	return crcs, nil
}
