package census

import "github.com/dbrescue/dbrescue/btree"

// Class is what a page is used for. The names (String) appear in JSON
// output and never change.
type Class uint8

// Page classes. A b-tree page nothing reached keeps its b-tree class; its
// Tree is then an orphan tree (Tree.From == FromOrphan).
const (
	Unclassified  Class = iota // only while a census is being taken
	TableInterior              // b-tree page 0x05
	TableLeaf                  // b-tree page 0x0d
	IndexInterior              // b-tree page 0x02
	IndexLeaf                  // b-tree page 0x0a
	Overflow                   // a page of an overflow chain followed from a cell
	FreelistTrunk
	FreelistLeaf
	Ptrmap   // a pointer-map page (auto_vacuum databases)
	LockByte // the page holding file offset 1 GiB, never used for data
	Zero     // all zeros and reached by nothing: its content is gone
	Unknown  // reached by nothing, not zero, not a b-tree page: garbage, or a stray overflow page
	Unreadable
)

var classNames = [...]string{
	Unclassified: "unclassified", TableInterior: "table-interior", TableLeaf: "table-leaf",
	IndexInterior: "index-interior", IndexLeaf: "index-leaf", Overflow: "overflow",
	FreelistTrunk: "freelist-trunk", FreelistLeaf: "freelist-leaf", Ptrmap: "ptrmap",
	LockByte: "lock-byte", Zero: "zero", Unknown: "unknown", Unreadable: "unreadable",
}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "invalid"
}

// MarshalText names the class in JSON.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Classes lists every class a finished census uses, in the order reports
// list them: the live database, free space, then what needs a closer look.
func Classes() []Class {
	return []Class{TableInterior, TableLeaf, IndexInterior, IndexLeaf, Overflow,
		FreelistTrunk, FreelistLeaf, Ptrmap, LockByte, Zero, Unknown, Unreadable}
}

// BTree reports whether pages of class c are b-tree pages.
func (c Class) BTree() bool { return c >= TableInterior && c <= IndexLeaf }

// Leaf reports whether c is a leaf class.
func (c Class) Leaf() bool { return c == TableLeaf || c == IndexLeaf }

// Lost reports whether a page of class c holds nothing readable where
// something may have been: zero, unknown or unreadable.
func (c Class) Lost() bool { return c == Zero || c == Unknown || c == Unreadable }

// ClassOf is the class of a b-tree page of type t.
func ClassOf(t btree.PageType) Class {
	switch t {
	case btree.TableInterior:
		return TableInterior
	case btree.TableLeaf:
		return TableLeaf
	case btree.IndexInterior:
		return IndexInterior
	case btree.IndexLeaf:
		return IndexLeaf
	}
	return Unknown
}
