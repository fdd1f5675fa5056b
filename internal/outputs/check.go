package outputs

import (
	"fmt"
	"os"
)

// How two paths were found to name the same file.
const (
	HowSamePath  = "same path" // equal once absolute and cleaned
	HowCompanion = "companion" // equal, and at least one is a companion file (a -wal, a .prev, ...)
	HowSymlink   = "symlink"   // equal once symbolic links are resolved
	HowHardLink  = "hard link" // different names of one existing inode
)

// ConflictError is Check's refusal: writing Output would write over Input,
// a file the command reads or one that belongs to it.
type ConflictError struct {
	Output string // the path that would be written (an output or one of its companions)
	Input  string // the path read that it names
	How    string // HowSamePath, HowCompanion, HowSymlink or HowHardLink
	// InputIs says what Input is, for a person: "the input database
	// app.db", "the WAL of the input database app.db". OutputIs says what
	// Output is when it is a companion of an output ("the previous
	// generation of the output metadata backup x"), else it is empty.
	OutputIs, InputIs string
}

func (e *ConflictError) Error() string {
	msg := "refusing to write " + e.Output
	if e.OutputIs != "" {
		msg += " (" + e.OutputIs + ")"
	}
	msg += ": it is " + e.InputIs
	switch e.How {
	case HowSymlink:
		msg += ", through a symbolic link"
	case HowHardLink:
		msg += ", through a hard link"
	}
	return msg + " (whatever --force says)"
}

// Check fails with a *DirError when an output's directory does not exist
// or is not a directory, and with a *ConflictError when any path of writes names the same
// file as any path of reads: the same path, the same real path once
// symbolic links are resolved (a link that does not lead anywhere yet
// included), or, for files that exist, the same inode. It reads no file,
// only the names and inodes; an error from the file system other than a
// missing file is returned as is.
func Check(reads, writes *Files) error {
	ins, err := resolveAll(reads)
	if err != nil {
		return err
	}
	outs, err := resolveAll(writes)
	if err != nil {
		return err
	}
	for _, o := range outs {
		for _, in := range ins {
			if how := same(o, in); how != "" {
				e := &ConflictError{Output: o.path, Input: in.path, How: how, InputIs: in.describe("input")}
				if o.part != "" {
					e.OutputIs = o.describe("output")
				}
				return e
			}
		}
	}
	return checkDirs(outs)
}

// resolved is an entry with the three forms Check compares.
type resolved struct {
	entry
	lexical string      // absolute and cleaned
	real    string      // symbolic links resolved
	info    os.FileInfo // nil when nothing exists there
}

func resolveAll(f *Files) ([]resolved, error) {
	if f == nil {
		return nil, nil
	}
	out := make([]resolved, 0, len(f.list))
	for _, e := range f.list {
		r := resolved{entry: e, lexical: clean(e.path), real: realPath(e.path)}
		st, err := os.Stat(e.path)
		switch {
		case err == nil:
			r.info = st
		case !os.IsNotExist(err) && !isNotDir(err):
			return nil, fmt.Errorf("outputs: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// same says how a and b name one file, or "" when they do not.
func same(a, b resolved) string {
	switch {
	case a.lexical == b.lexical && a.part == "" && b.part == "":
		return HowSamePath
	case a.lexical == b.lexical:
		return HowCompanion
	case a.real == b.real:
		return HowSymlink
	case a.info != nil && b.info != nil && os.SameFile(a.info, b.info):
		return HowHardLink
	}
	return ""
}
