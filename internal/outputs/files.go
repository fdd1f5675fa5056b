package outputs

// Names of the files that belong to another. Package master and package
// backup name their companions with these, so the rule and the writers
// cannot disagree.
const (
	SuffixWAL      = "-wal"      // a database's write-ahead log
	SuffixSHM      = "-shm"      // a database's WAL index (shared memory)
	SuffixJournal  = "-journal"  // a database's rollback journal
	SuffixPrev     = ".prev"     // a metadata backup's previous generation
	SuffixManifest = ".manifest" // a page-level backup's manifest
	SuffixBackupJ  = ".journal"  // a page-level backup's undo journal
	SuffixLock     = ".lock"     // a page-level backup's lock file
)

// Files is a set of paths a command reads or writes, each remembered with
// what it is, so that a refusal can say it in words. The zero value is an
// empty set; the adders return the set so calls chain.
type Files struct {
	list []entry
}

// entry is one path of a set: the file itself (part "") or one of its
// companions, and the path given for the whole (owner) with its kind.
type entry struct {
	path  string
	owner string
	kind  string // "database", "metadata backup", "backup", "file"
	part  string // "" for the file itself, else e.g. "WAL"
}

// Database adds a SQLite database and the files SQLite keeps beside it:
// path, path-wal, path-shm and path-journal. When path is a symbolic link
// the companions beside its target count too: SQLite resolves the link
// and keeps them there.
func (f *Files) Database(path string) *Files {
	if path == "" {
		return f // an option not given
	}
	f.add(path, "database", "", "")
	f.databaseCompanions(path, path)
	if resolved := realPath(path); resolved != clean(path) {
		f.databaseCompanions(resolved, path)
	}
	return f
}

// databaseCompanions adds the files SQLite keeps beside base for the
// database owner.
func (f *Files) databaseCompanions(base, owner string) {
	f.addAt(base, owner, "database", SuffixWAL, "WAL")
	f.addAt(base, owner, "database", SuffixSHM, "shared-memory WAL index")
	f.addAt(base, owner, "database", SuffixJournal, "rollback journal")
}

// Meta adds a metadata backup (package master's format) and its previous
// generation, path.prev.
func (f *Files) Meta(path string) *Files {
	f.add(path, "metadata backup", "", "")
	f.add(path, "metadata backup", SuffixPrev, "previous generation")
	return f
}

// Backup adds a page-level backup (package backup's format) and the files
// kept beside it: path.manifest, path.journal and path.lock.
func (f *Files) Backup(path string) *Files {
	f.add(path, "backup", "", "")
	f.add(path, "backup", SuffixManifest, "manifest")
	f.add(path, "backup", SuffixBackupJ, "undo journal")
	f.add(path, "backup", SuffixLock, "lock file")
	return f
}

// File adds one plain file, with no companions.
func (f *Files) File(path string) *Files {
	f.add(path, "file", "", "")
	return f
}

func (f *Files) add(owner, kind, suffix, part string) { f.addAt(owner, owner, kind, suffix, part) }

// addAt adds the companion suffix of base, which belongs to owner.
func (f *Files) addAt(base, owner, kind, suffix, part string) {
	if owner == "" {
		return // an option not given: nothing is read or written there
	}
	f.list = append(f.list, entry{path: base + suffix, owner: owner, kind: kind, part: part})
}

// describe says what e is for a person, as an input or an output (side):
// "the input database app.db", "the WAL of the input database app.db".
func (e entry) describe(side string) string {
	whole := "the " + side + " " + e.kind + " " + e.owner
	if e.kind == "file" {
		whole = "the " + side + " " + e.owner
	}
	if e.part == "" {
		return whole
	}
	return "the " + e.part + " of " + whole
}
