package master

import (
	"bytes"
	"errors"
	"io"
	"os"

	"github.com/dbrescue/dbrescue/pagefile"
)

// maxVerifyPages bounds how many WAL pages are compared against SQLite's
// view before giving up on the fast path. SQLite checkpoints at 1000 pages
// by default, so a WAL holds far fewer distinct pages than this.
const maxVerifyPages = 20000

// How page lists were read, for Meta consumers and tests.
const (
	ReadFromFile   = "file"          // the main file alone
	ReadFromWAL    = "file+wal"      // the main file with WAL commits overlaid
	ReadFromDBPage = "sqlite_dbpage" // page by page through SQLite
)

// snapshotSource returns a page source that serves exactly the snapshot
// that the read transaction behind snap (pages served by SQLite through
// sqlite_dbpage) sees, read straight from the database file and its WAL
// when possible, since that is many times faster than going through SQLite.
//
// Why the files can be trusted while the transaction is open: in rollback
// mode no writer can commit while a reader holds its shared lock. In WAL
// mode a checkpoint copies into the main file only frames at or below the
// oldest reader's snapshot, and only for pages that those frames hold, so
// every page the snapshot takes from the main file is left alone; and the
// WAL is not restarted under a reader that uses it. What is left unknown is
// which WAL commit the snapshot ends at. Each candidate, newest first, is
// checked: its page count must equal the snapshot's, and every page that
// appears anywhere in the WAL must read the same through the candidate as
// through SQLite. Pages in no WAL frame come from the main file for every
// candidate and for SQLite alike. When no candidate passes (or the WAL is
// too large to check), the snapshot is read through SQLite page by page.
func snapshotSource(dbPath string, g pagefile.Geometry, snap pagefile.Source) (pagefile.Source, string, io.Closer, error) {
	f, err := pagefile.Open(dbPath, pagefile.Options{Geometry: &g})
	if err != nil {
		return snap, ReadFromDBPage, io.NopCloser(nil), nil
	}
	if src, how := matchSnapshot(f, snap); src != nil {
		return src, how, f, nil
	}
	f.Close()
	return snap, ReadFromDBPage, io.NopCloser(nil), nil
}

// matchSnapshot finds the overlay of f's main file and WAL that equals snap.
func matchSnapshot(f *pagefile.File, snap pagefile.Source) (pagefile.Source, string) {
	if f.WAL == nil {
		if f.WALError() != nil {
			return nil, "" // a WAL SQLite may use but this reader rejects
		}
		if f.Main.PageCount() == snap.PageCount() && samePages(f.Main, snap, []uint32{1}) {
			return f.Main, ReadFromFile
		}
		return nil, ""
	}
	walPages := distinctPages(f.WAL)
	if len(walPages) > maxVerifyPages {
		return nil, ""
	}
	want, err := readAll(snap, walPages)
	if err != nil {
		return nil, ""
	}
	for i := len(f.WAL.Commits) - 1; i >= -1; i-- {
		w, err := f.WAL.AsOfCommit(i)
		if err != nil {
			return nil, ""
		}
		var cand pagefile.Source = f.Main
		how := ReadFromFile
		if i >= 0 {
			ov, err := pagefile.NewWALOverlay(f.Main, w)
			if err != nil {
				return nil, ""
			}
			cand, how = ov, ReadFromWAL
		}
		if cand.PageCount() == snap.PageCount() && matches(cand, want) {
			return cand, how
		}
	}
	return nil, ""
}

// distinctPages lists every page that any verified WAL frame holds,
// uncommitted ones included, plus page 1.
func distinctPages(w *pagefile.WAL) []uint32 {
	seen := map[uint32]bool{1: true}
	out := []uint32{1}
	for _, fr := range w.Frames {
		if !seen[fr.Pgno] {
			seen[fr.Pgno] = true
			out = append(out, fr.Pgno)
		}
	}
	return out
}

// readAll reads the given pages that exist in src.
func readAll(src pagefile.Source, pgnos []uint32) (map[uint32][]byte, error) {
	out := map[uint32][]byte{}
	for _, p := range pgnos {
		if p > src.PageCount() {
			continue
		}
		buf := make([]byte, src.PageSize())
		if err := src.ReadPage(p, buf); err != nil {
			return nil, err
		}
		out[p] = buf
	}
	return out, nil
}

// matches reports whether cand serves exactly the images in want, and no
// image for the pages want lacks because they are beyond its page count.
func matches(cand pagefile.Source, want map[uint32][]byte) bool {
	buf := make([]byte, cand.PageSize())
	for p, img := range want {
		if err := cand.ReadPage(p, buf); err != nil || !bytes.Equal(buf, img) {
			return false
		}
	}
	return true
}

func samePages(a, b pagefile.Source, pgnos []uint32) bool {
	want, err := readAll(b, pgnos)
	return err == nil && matches(a, want)
}

// statFile returns size and modification time, or zeros if path is absent.
func statFile(path string) (int64, int64, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return st.Size(), st.ModTime().UnixNano(), nil
}
