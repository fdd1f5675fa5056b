// Package btree parses the inside of SQLite b-tree pages: page headers of the
// four kinds, cell pointer arrays, cells, varints, the local-payload spill
// rule, overflow chains, records (every serial type, in UTF-8, UTF-16le and
// UTF-16be), freeblock and fragment accounting, and walks of whole trees.
//
// It reads pages through pagefile.Source and knows nothing of SQLite the
// library, nor of tables and columns: a record is a list of values, a tree
// is a root page number. Interpreting rows belongs to the layers above.
//
// Every function treats its input as hostile. Counts and offsets are checked
// against the page before use; overflow chains and tree walks carry loop,
// length and depth guards; a bad cell is reported and skipped, not fatal to
// its page, and a bad page is reported and skipped, not fatal to its tree.
// Damage is reported as *CorruptError (an alias of pagefile.CorruptError)
// with the page number, the offset and the reason.
package btree
