package corpus

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// image is a database and its WAL held in memory while an operator damages
// them. orig and origWAL keep the input as read, for the Damage; db and wal
// are the copies the operator edits.
//
// Operators work at one of two levels. File-level ones (header, truncate,
// byte flips, WAL frames) edit db or wal as bytes. Page-level ones edit a
// page as a reader sees it, through page: the newest committed image of the
// page, in the WAL when the WAL holds one, else in the main file. Editing a
// WAL-held image reseals the WAL afterwards (see sealWAL), so the damage is
// in the page's content, not a log that stops verifying.
type image struct {
	orig, origWAL []byte
	db, wal       []byte
	geom          pagefile.Geometry
	geomDetected  bool
	file          *pagefile.File   // the input as read, WAL overlaid
	latest        map[uint32]int64 // page → offset in wal of its newest committed image
	walFrames     int              // frames that verified in the input, uncommitted tail included
	walEdited     bool
}

// loadImage reads the database at path and its -wal, if any, with its hot
// rollback journal rolled back (as c says). It never writes to them. A
// header without a usable page size is no obstacle: the geometry is then
// detected from the pages, so damaged files can be damaged further.
func loadImage(path string, c Corruption) (*image, error) {
	orig, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !c.NoJournal {
		if orig, err = rollBack(path, cmp.Or(c.JournalPath, path+"-journal"), c.JournalPath != "", orig); err != nil {
			return nil, err
		}
	}
	if len(orig) == 0 {
		return nil, fmt.Errorf("%s is empty", path)
	}
	im := &image{orig: orig}
	switch w, err := os.ReadFile(path + "-wal"); {
	case err == nil && len(w) > 0:
		im.origWAL = w
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	im.file, err = im.open(orig, im.origWAL, nil)
	if errors.Is(err, pagefile.ErrUnknownPageSize) {
		var g pagefile.Geometry
		if g, _, err = btree.DetectGeometry(bytes.NewReader(orig), int64(len(orig))); err == nil {
			im.geomDetected = true
			im.file, err = im.open(orig, im.origWAL, &g)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	im.geom = im.file.Geometry
	im.db = bytes.Clone(orig)
	im.wal = bytes.Clone(im.origWAL)
	im.latest = map[uint32]int64{}
	if w := im.file.WAL; w != nil {
		im.walFrames = len(w.Frames)
		for _, fr := range w.Frames[:w.Committed] {
			if fr.Pgno <= w.DatabaseSize {
				im.latest[fr.Pgno] = fr.Offset + pagefile.WALFrameHeaderSize
			}
		}
	}
	return im, nil
}

// open pages db with wal overlaid, with geometry g when given.
func (im *image) open(db, wal []byte, g *pagefile.Geometry) (*pagefile.File, error) {
	var wr io.ReaderAt
	if wal != nil {
		wr = bytes.NewReader(wal)
	}
	return pagefile.New(bytes.NewReader(db), int64(len(db)), wr, int64(len(wal)), pagefile.Options{Geometry: g})
}

// pageCount is the number of pages a reader sees.
func (im *image) pageCount() uint32 { return im.file.PageCount() }

// page returns the newest committed image of pgno for editing, or nil
// when neither the WAL nor the main file holds it.
func (im *image) page(pgno uint32) []byte {
	ps := int64(im.geom.PageSize)
	if off, ok := im.latest[pgno]; ok {
		im.walEdited = true
		return im.wal[off : off+ps]
	}
	off := int64(pgno-1) * ps
	if pgno == 0 || off+ps > int64(len(im.db)) {
		return nil
	}
	return im.db[off : off+ps]
}

// has reports whether page can serve pgno.
func (im *image) has(pgno uint32) bool {
	_, ok := im.latest[pgno]
	return ok || (pgno > 0 && int64(pgno)*int64(im.geom.PageSize) <= int64(len(im.db)))
}

// finish reseals the WAL when a page image in it was edited.
func (im *image) finish() {
	if im.walEdited && im.wal != nil {
		sealWAL(im.wal, im.walFrames)
	}
}

// layout walks the input's b-trees.
func (im *image) layout() *Layout { return readLayout(im.file, false) }

// rollBack returns the database held in main as SQLite would leave it after
// rolling back the hot journal at jpath: the journal's original pages in
// place, cut or extended to the original size. Without a journal (a missing
// one is an error only when explicit) or with one that is not hot, main is
// returned as it is. A journal that is hot but cannot be used is an error:
// damaging the uncommitted pages instead would mislead the scoring.
func rollBack(path, jpath string, explicit bool, main []byte) ([]byte, error) {
	journal, err := os.ReadFile(jpath)
	switch {
	case errors.Is(err, os.ErrNotExist) && !explicit:
		return main, nil
	case err != nil:
		return nil, err
	}
	in := &pagefile.JournalInput{R: bytes.NewReader(journal), Size: int64(len(journal)), Dir: filepath.Dir(jpath)}
	f, err := pagefile.New(bytes.NewReader(main), int64(len(main)), nil, 0, pagefile.Options{Journal: in, NoWAL: true})
	if err != nil {
		return nil, fmt.Errorf("rolling back %s: %w", jpath, err)
	}
	if err := f.JournalError(); err != nil {
		return nil, fmt.Errorf("%s cannot be rolled back (ignore it with NoJournal to damage the main file as it is): %w", jpath, err)
	}
	if f.Journal == nil {
		return main, nil
	}
	out := make([]byte, int64(f.PageCount())*int64(f.Geometry.PageSize))
	if len(out) == 0 {
		return out, nil
	}
	if err := pagefile.ReadPages(f, 1, out); err != nil {
		return nil, fmt.Errorf("rolling back %s into %s: %w", jpath, path, err)
	}
	return out, nil
}
