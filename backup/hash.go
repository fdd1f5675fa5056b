package backup

import (
	"bytes"
	"fmt"
	"os"

	"github.com/dbrescue/dbrescue/pagefile"
)

// sealCopy makes the backup API's copy in tmp byte-identical to the
// snapshot and durable: the backup API stamps its own values into the
// copy's header (schema cookie, change counter, SQLite version), so page 1
// is written back as the snapshot holds it, which keeps every page of a
// backup comparable with the source by CRC. It checks the copy's size and
// returns the open copy and a Source over it.
func sealCopy(tmp string, snap *snapshot) (*os.File, *pagefile.ReaderSource, error) {
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	pages, err := seal(f, snap)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, pages, nil
}

func seal(f *os.File, snap *snapshot) (*pagefile.ReaderSource, error) {
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
	if err := f.Sync(); err != nil {
		return nil, err
	}
	return pagefile.NewReaderSource(f, st.Size(), ps)
}
