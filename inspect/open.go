package inspect

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/sniff"
	"github.com/dbrescue/dbrescue/pagefile"
)

// Inspection is a database opened read-only under the geometry policy and
// surveyed once: everything Report and Page describe.
type Inspection struct {
	Path string
	Size int64 // bytes in the main file
	// JournalPath is the rollback journal looked for; NoJournal says it
	// was ignored on request.
	JournalPath string
	NoJournal   bool
	File        *pagefile.File
	Geometry    census.Geometry
	Census      *census.Census
	reader      *btree.Reader
}

// Open opens the database at path read-only, with its WAL and hot journal
// as opts says (opts.Geometry is ignored: the page size is the geometry
// policy's, census.Open), and takes its census. Nothing is written and
// SQLite is not involved. Damage is described, never returned: the error
// says the file cannot be read at all.
func Open(ctx context.Context, path string, opts pagefile.Options) (*Inspection, error) {
	// What is no database at all census.Open says in one sentence
	// (package sniff); that error is returned as it is.
	st, err := sniff.Stat(path)
	if err != nil {
		return nil, err
	}
	f, g, err := census.Open(path, census.Hint{}, opts)
	var notDB *sniff.NotDatabaseError
	switch {
	case errors.As(err, &notDB):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	rd := btree.NewReader(f, f.Usable(), g.Encoding)
	c, err := census.Take(ctx, f, rd, census.Options{})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Inspection{Path: path, Size: st.Size(), JournalPath: cmp.Or(opts.JournalPath, path+"-journal"), NoJournal: opts.NoJournal,
		File: f, Geometry: g, Census: c, reader: rd}, nil
}

// Close closes the database file and its WAL and journal.
func (in *Inspection) Close() error { return in.File.Close() }
