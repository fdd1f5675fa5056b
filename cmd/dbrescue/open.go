package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Where the geometry a database is read with came from.
const (
	geometryFromHeader   = "header"
	geometryFromDetected = "detected"
)

// openedDB is a database opened read-only, with how its geometry was found.
type openedDB struct {
	*pagefile.File
	Path           string
	JournalPath    string // the rollback journal looked for
	NoJournal      bool   // the journal was ignored on request
	Size           int64
	GeometrySource string            // geometryFromHeader or geometryFromDetected
	Detections     []btree.Detection // what detection saw, when it ran
}

// openDB opens path read-only with its WAL and hot journal, if any (opts
// says which journal). When the header gives no
// usable page size (a zeroed or overwritten page 1 is the commonest damage
// in the field) it detects the geometry from the pages themselves and opens
// again with it, saying so on stderr: every later number depends on that
// guess, and the support engineer must know it was one.
func openDB(path string, opts pagefile.Options, stderr io.Writer) (*openedDB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("%s is empty (0 bytes): there is nothing to read", path)
	}
	jpath := cmp.Or(opts.JournalPath, path+"-journal")
	f, err := pagefile.Open(path, opts)
	if err == nil {
		return &openedDB{File: f, Path: path, JournalPath: jpath, NoJournal: opts.NoJournal, Size: st.Size(), GeometrySource: geometryFromHeader}, nil
	}
	if !errors.Is(err, pagefile.ErrUnknownPageSize) {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}

	fmt.Fprintf(stderr, "%s: the header gives no usable page size; detecting it from the pages\n", path)
	g, detections, err := detectGeometry(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot determine the page size: %w", path, err)
	}
	fmt.Fprintf(stderr, "%s: detected page size %d, %d reserved bytes per page (%s)\n",
		path, g.PageSize, g.Reserved, detectionSummary(g, detections))
	opts.Geometry = &g
	f, err = pagefile.Open(path, opts)
	if err != nil {
		return nil, fmt.Errorf("opening %s with the detected page size %d: %w", path, g.PageSize, err)
	}
	return &openedDB{File: f, Path: path, JournalPath: jpath, NoJournal: opts.NoJournal, Size: st.Size(), GeometrySource: geometryFromDetected, Detections: detections}, nil
}

// detectGeometry runs btree.DetectGeometry on the main file alone: the WAL
// is laid out in frames, not pages, and is overlaid only once the page size
// is known.
func detectGeometry(path string) (pagefile.Geometry, []btree.Detection, error) {
	f, err := os.Open(path)
	if err != nil {
		return pagefile.Geometry{}, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return pagefile.Geometry{}, nil, err
	}
	return btree.DetectGeometry(f, st.Size())
}

// detectionSummary says how convincing the winning candidate was.
func detectionSummary(g pagefile.Geometry, ds []btree.Detection) string {
	for _, d := range ds {
		if d.PageSize == g.PageSize {
			return fmt.Sprintf("%d of %d sampled pages are valid b-tree pages at that size", d.ValidPages, d.Sampled)
		}
	}
	return "no detail"
}
