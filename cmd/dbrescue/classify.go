package main

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/pagefile"
)

// pageKind says what a page is used for. The values appear in JSON output
// (page_kinds, page.kind) and never change.
type pageKind string

// Kinds of pages reached from the schema or the header.
const (
	kindTableInterior pageKind = "table-interior"
	kindTableLeaf     pageKind = "table-leaf"
	kindIndexInterior pageKind = "index-interior"
	kindIndexLeaf     pageKind = "index-leaf"
	kindOverflow      pageKind = "overflow"
	kindFreelistTrunk pageKind = "freelist-trunk"
	kindFreelistLeaf  pageKind = "freelist-leaf"
	kindPtrmap        pageKind = "ptrmap"
	kindLockByte      pageKind = "lock-byte"
)

// Kinds of pages nothing reached, judged from their content. Orphans are
// "orphan-" followed by a b-tree kind: a leaf that lost its parent still
// holds rows, which is what a repair goes looking for.
const (
	kindZero       pageKind = "zero"
	kindUnknown    pageKind = "unknown"
	kindUnreadable pageKind = "unreadable"
	orphanPrefix            = "orphan-"
)

// kindOrder is the order kinds are listed in text output: the live
// database first, then free space, then what needs a closer look.
var kindOrder = []pageKind{
	kindTableInterior, kindTableLeaf, kindIndexInterior, kindIndexLeaf, kindOverflow,
	kindFreelistTrunk, kindFreelistLeaf, kindPtrmap, kindLockByte,
	orphanPrefix + kindTableInterior, orphanPrefix + kindTableLeaf,
	orphanPrefix + kindIndexInterior, orphanPrefix + kindIndexLeaf,
	kindZero, kindUnknown, kindUnreadable,
}

func btreeKind(t btree.PageType) pageKind  { return pageKind(t.String()) }
func orphanKind(t btree.PageType) pageKind { return orphanPrefix + btreeKind(t) }

// isBtreeKind reports whether pages of kind k are, or were, b-tree pages
// worth decoding cell by cell.
func isBtreeKind(k pageKind) bool {
	switch k {
	case kindTableInterior, kindTableLeaf, kindIndexInterior, kindIndexLeaf:
		return true
	}
	return strings.HasPrefix(string(k), orphanPrefix)
}

// treeWalk is one b-tree named in sqlite_master (or sqlite_master itself)
// and what walking it found.
type treeWalk struct {
	Type    string
	Name    string
	TblName string
	Root    int64
	Result  *btree.WalkResult // nil when Root is not a page number
	Err     error             // why the tree was not walked
}

// walkTrees reads sqlite_master and walks every b-tree it names. trees[0]
// is always sqlite_master (root page 1). Views, triggers and virtual tables
// (rootpage 0) have no b-tree and are not walked.
func walkTrees(ctx context.Context, r *btree.Reader) ([]btree.SchemaRow, []treeWalk, error) {
	rows, res, err := r.ReadSchema()
	if err != nil {
		return nil, nil, err
	}
	trees := []treeWalk{{Type: "table", Name: "sqlite_master", TblName: "sqlite_master", Root: btree.SchemaRoot, Result: res}}
	// The callback exists only so that a long walk can be interrupted.
	checkCtx := func(*btree.Entry) error { return ctx.Err() }
	for _, row := range rows {
		if row.RootPage == 0 {
			continue
		}
		t := treeWalk{Type: row.Type, Name: row.Name, TblName: row.TblName, Root: row.RootPage}
		if row.RootPage < 0 || row.RootPage > math.MaxUint32 {
			t.Err = pagefile.Corrupt(row.Pgno, 0, pagefile.ErrOutOfRange,
				"sqlite_master row %d (%s %q) has rootpage %d", row.Rowid, row.Type, row.Name, row.RootPage)
		} else {
			res, err := r.Walk(uint32(row.RootPage), checkCtx)
			if err != nil {
				return nil, nil, err
			}
			t.Result = res
		}
		trees = append(trees, t)
	}
	return rows, trees, nil
}

// pageClass is the verdict on one page: its kind and, for pages a walk
// reached, which tree (an index into the trees slice; -1 for none).
type pageClass struct {
	Kind pageKind
	Tree int
}

// classifyPages gives every page of f a kind. Structural facts come first
// (lock-byte, pointer-map), then what the tree walks reached, then the
// freelist; a page claimed twice keeps its first claim and the clash is
// returned as damage, since in a sound file every page has one owner.
// Pages nothing claims are judged by their content.
func classifyPages(ctx context.Context, f *pagefile.File, trees []treeWalk, fl *pagefile.Freelist) ([]pageClass, []error, error) {
	count := f.PageCount()
	classes := make([]pageClass, count)
	for i := range classes {
		classes[i].Tree = -1
	}
	var conflicts []error
	describe := func(c pageClass) string {
		if c.Tree >= 0 {
			return fmt.Sprintf("%s of b-tree %q", c.Kind, trees[c.Tree].Name)
		}
		return string(c.Kind)
	}
	claim := func(pgno uint32, kind pageKind, tree int) {
		if pgno == 0 || pgno > count {
			return // walks and the freelist already report pages out of range
		}
		c := &classes[pgno-1]
		if c.Kind != "" {
			conflicts = append(conflicts, pagefile.Corrupt(pgno, 0, pagefile.ErrBadValue,
				"page %d is claimed as %s but is already %s", pgno, describe(pageClass{kind, tree}), describe(*c)))
			return
		}
		*c = pageClass{Kind: kind, Tree: tree}
	}

	claim(pagefile.LockBytePage(f.Geometry.PageSize), kindLockByte, -1)
	if f.HasPtrmap() {
		for pgno := uint32(2); pgno <= count; pgno++ {
			if f.IsPtrmapPage(pgno) {
				claim(pgno, kindPtrmap, -1)
			}
		}
	}
	for i, t := range trees {
		if t.Result == nil {
			continue
		}
		for _, v := range t.Result.Pages {
			claim(v.Pgno, btreeKind(v.Type), i)
		}
		for _, o := range t.Result.Overflow {
			claim(o, kindOverflow, i)
		}
	}
	for _, p := range fl.Trunks {
		claim(p, kindFreelistTrunk, -1)
	}
	for _, p := range fl.Leaves {
		claim(p, kindFreelistLeaf, -1)
	}

	buf := make([]byte, f.Geometry.PageSize)
	for pgno := uint32(1); pgno <= count; pgno++ {
		if pgno%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		if c := &classes[pgno-1]; c.Kind == "" {
			c.Kind = judgeContent(f, pgno, buf)
		}
	}
	return classes, conflicts, nil
}

// judgeContent classifies a page nothing reached by what it holds.
func judgeContent(f *pagefile.File, pgno uint32, buf []byte) pageKind {
	if err := f.ReadPage(pgno, buf); err != nil {
		return kindUnreadable
	}
	if allZero(buf) {
		return kindZero
	}
	if p, err := btree.ParsePage(pgno, buf, f.Usable()); err == nil {
		return orphanKind(p.Type)
	}
	return kindUnknown
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
