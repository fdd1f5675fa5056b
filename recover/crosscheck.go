package recover

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/pagefile"
)

// crossCheck compares every index of a rowid table, as the damaged file
// stores it, with the same index SQLite built over the recovered rows. In
// a sound database the two hold the same entries, so an entry only the
// damaged file's index holds tells of damage no page shows: its rowid
// missing from the table is a row lost (a page put back in an older
// version, cells cut off), its rowid present with other values is a row
// whose indexed values changed (bytes flipped in the row, or in the
// index). This needs no metadata backup: the file's own indexes are the second
// copy of the data that a checksum would be.
func (r *repairer) crossCheck(ctx context.Context, output string, file *fileIndexes) error {
	file.wait()
	trees := r.indexTrees()
	if len(trees) == 0 {
		return nil
	}
	out, ord, outRoot, err := r.outputTrees(output)
	if err != nil {
		return err
	}
	defer out.Close()
	lost, changed := map[*table]map[int64]bool{}, map[*table]map[int64]bool{}
	for _, x := range trees {
		if err := ctx.Err(); err != nil {
			return err
		}
		root, ok := outRoot[strings.ToLower(x.ct.Name)]
		if !ok {
			continue // not created in the output
		}
		// A sound file's index holds the entries the one rebuilt over
		// the recovered rows holds: when the signatures of both say so
		// (the builder signs what it writes, the file's were signed
		// while the rows loaded), nothing is compared entry by entry.
		fi, read := file.byTree[x.ct.Index]
		if built, ok := r.builtEntries(x.ct.Name); ok && read && built == fi.entries {
			continue
		}
		have, err := entryHashes(ord, root, x.ct.Walk.Entries)
		if err != nil {
			continue
		}
		if lost[x.t] == nil {
			lost[x.t], changed[x.t] = map[int64]bool{}, map[int64]bool{}
		}
		// The damaged file's entries the output lacks: hashes of both,
		// sorted and compared in one pass; only those entries are
		// decoded, in a second walk.
		missing := entriesMissing(r.fileEntryHashes(x.ct), have)
		if len(missing) == 0 {
			continue
		}
		_, _ = r.cen.Walk(x.ct.Index, btree.WalkOptions{Reuse: true, OnEntry: func(e *btree.Entry) error {
			h, ok := recordHash(e.Payload, r.rd.Encoding())
			if !ok || e.PayloadErr != nil || !missing[h] {
				return nil
			}
			vals, err := r.rd.Record(e.Payload)
			if err != nil || len(vals) == 0 {
				return nil
			}
			rowid, ok := vals[len(vals)-1].(int64)
			if !ok {
				return nil
			}
			if x.t.keys.has(rowid) {
				changed[x.t][rowid] = true
			} else {
				lost[x.t][rowid] = true
			}
			return nil
		}})
	}
	for t, ids := range lost {
		t.lostByIndex = max(t.lostByIndex, len(ids))
		t.rep.IndexMismatch = max(t.rep.IndexMismatch, len(changed[t]))
	}
	for _, x := range trees {
		x.t.fullIndex = x.t.fullIndex || !r.plan.partial[strings.ToLower(x.ct.Name)]
	}
	return nil
}

// builtEntries returns the signature of the entries of the index the
// builder wrote under name, if it did.
func (r *repairer) builtEntries(name string) (signature, bool) {
	if r.bulk == nil {
		return signature{}, false
	}
	for _, bt := range r.bulk.tables {
		for _, ix := range bt.indexes {
			if ix.written && strings.EqualFold(ix.name, name) {
				return ix.entries, true
			}
		}
	}
	return signature{}, false
}

// fileEntryHashes returns the sorted hashes of the whole entries of index
// tree ct in the damaged file; damage met on the way loses only what it
// touches.
func (r *repairer) fileEntryHashes(ct *census.Tree) []uint64 {
	walk := func(o btree.WalkOptions) (*btree.WalkResult, error) { return r.cen.Walk(ct.Index, o) }
	out, _ := hashEntries(walk, r.rd.Encoding(), ct.Walk.Entries)
	return out
}

// entriesMissing returns the hashes in sorted list file that sorted list
// have lacks.
func entriesMissing(file, have []uint64) map[uint64]bool {
	missing := map[uint64]bool{}
	j := 0
	for _, h := range file {
		for j < len(have) && have[j] < h {
			j++
		}
		if j == len(have) || have[j] != h {
			missing[h] = true
		}
	}
	return missing
}

// outputTrees opens the output as written so far, for reading its
// b-trees, and maps each b-tree's name (lower case) to its root page.
func (r *repairer) outputTrees(output string) (*pagefile.File, *btree.Reader, map[string]uint32, error) {
	out, err := pagefile.Open(output, pagefile.Options{NoWAL: true, NoJournal: true})
	if err != nil {
		return nil, nil, nil, err
	}
	ord := btree.NewReader(out, out.Usable(), r.geo.Encoding)
	rows, _, err := ord.ReadSchema()
	if err != nil {
		out.Close()
		return nil, nil, nil, err
	}
	roots := map[string]uint32{}
	for _, row := range rows {
		if row.RootPage > 0 {
			roots[strings.ToLower(row.Name)] = uint32(row.RootPage)
		}
	}
	return out, ord, roots, nil
}

// indexTree is an index of a rowid table the repair recovered, as the
// census walked it in the damaged file.
type indexTree struct {
	ct *census.Tree
	t  *table
}

// indexTrees lists the damaged file's index trees over rowid tables that
// the repair created, whose walk met no damage (a damaged index proves
// nothing about its table).
func (r *repairer) indexTrees() []indexTree {
	var out []indexTree
	for _, ct := range r.cen.Trees {
		if ct.From == census.FromOrphan || ct.Walk == nil || len(ct.Walk.Errors) > 0 || !r.plan.indexes[strings.ToLower(ct.Name)] {
			continue
		}
		t := r.plan.byName[strings.ToLower(ct.TblName)]
		if t == nil || !t.created || t.info.WithoutRowid {
			continue
		}
		out = append(out, indexTree{ct: ct, t: t})
	}
	return out
}

// entryHashes returns the sorted hashes of every entry of the index b-tree
// at root.
// The damaged file's count of the same index's entries sizes the list, so
// that it is not copied as it grows.
func entryHashes(rd *btree.Reader, root uint32, hint int) ([]uint64, error) {
	return hashEntries(func(o btree.WalkOptions) (*btree.WalkResult, error) { return rd.WalkTree(root, o) }, rd.Encoding(), hint)
}

// hashEntries walks a b-tree with walk and returns the sorted hashes of
// its whole entries (room for hint of them made at once), with the first
// damage the walk met.
func hashEntries(walk func(btree.WalkOptions) (*btree.WalkResult, error), enc uint32, hint int) ([]uint64, error) {
	out := make([]uint64, 0, hint+hint/16)
	res, err := walk(btree.WalkOptions{Reuse: true, OnEntry: func(e *btree.Entry) error {
		if h, ok := recordHash(e.Payload, enc); ok && e.PayloadErr == nil {
			out = append(out, h)
		}
		return nil
	}})
	if err == nil && len(res.Errors) > 0 {
		err = res.Errors[0]
	}
	slices.Sort(out)
	return out, err
}

// hashValues hashes a decoded record so that equal values hash equally
// (an integral real and the integer are equal, as in an index's order).
func hashValues(vals []any) uint64 {
	var h maphash.Hash
	h.SetSeed(recordSeed)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(vals)))
	h.Write(n[:])
	h.Write([]byte(encodeKey(vals)))
	return h.Sum64()
}
