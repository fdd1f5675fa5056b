package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/internal/fsutil"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/internal/sniff"
)

// Names dbrescue gives a database's insurance by default: `dbrescue
// metabackup DB` writes DB.meta, `dbrescue backup DB` writes DB.backup.
const (
	SuffixMeta   = ".meta"
	SuffixBackup = ".backup"
)

// databaseExtensions are the names a database whose header is destroyed
// is still recognised by in a directory.
var databaseExtensions = []string{".db", ".sqlite", ".sqlite3", ".db3", ".sdb", ".sqlitedb"}

// companionSuffixes end the names of files that belong to a database
// (or to its insurance): never databases of their own.
var companionSuffixes = []string{
	outputs.SuffixWAL, outputs.SuffixSHM, outputs.SuffixJournal,
	SuffixMeta, SuffixMeta + outputs.SuffixPrev,
	SuffixBackup, SuffixBackup + outputs.SuffixManifest, SuffixBackup + outputs.SuffixBackupJ, SuffixBackup + outputs.SuffixLock,
}

// InputError is a mistake in what Find was given, said in one sentence:
// a directory without recursion, an output directory that is the
// inputs' own (every repaired database would land on its damaged one).
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Find lists the databases to repair among inputs (files, and with
// recursive the files below directories), each with its companions and
// its output under outDir, which mirrors the inputs' tree below their
// common directory. A file named directly is always a job (if it is no
// database, its repair says what it is); in a directory, a file is a job
// when it starts with SQLite's header or has a database's extension, and
// companions, temporary files and outDir are passed over. Other files
// are returned as skipped.
func Find(inputs []string, recursive bool, outDir string) ([]Job, []Skipped, error) {
	outAbs, err := filepath.Abs(outDir)
	if err != nil {
		return nil, nil, err
	}
	var paths []string // as the caller spelled them
	var skipped []Skipped
	var roots []string // absolute
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, nil, err
		}
		abs, err := filepath.Abs(in)
		if err != nil {
			return nil, nil, err
		}
		if !st.IsDir() {
			paths = append(paths, in)
			roots = append(roots, filepath.Dir(abs))
			continue
		}
		if !recursive {
			return nil, nil, &InputError{fmt.Sprintf("%s is a directory: give --recursive to repair the databases in it", in)}
		}
		roots = append(roots, abs)
		found, skip, err := walk(in, outAbs)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, found...)
		skipped = append(skipped, skip...)
	}
	root := commonDir(roots)
	if sameDir(root, outAbs) {
		return nil, nil, &InputError{fmt.Sprintf("the output directory %s is where the inputs are: the repaired databases would replace the damaged ones", outDir)}
	}
	jobs := make([]Job, 0, len(paths))
	seen := map[string]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, nil, err
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil {
			return nil, nil, err
		}
		if seen[abs] {
			continue // named twice
		}
		seen[abs] = true
		jobs = append(jobs, withCompanions(Job{Input: p, Output: filepath.Join(outDir, rel)}))
	}
	slices.SortFunc(jobs, func(a, b Job) int { return strings.Compare(a.Input, b.Input) })
	return jobs, skipped, nil
}

// walk lists the databases below dir, outDir left out.
func walk(dir, outAbs string) (found []string, skipped []Skipped, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && sameDir(path, outAbs):
			return filepath.SkipDir
		case !d.Type().IsRegular() || isCompanion(d.Name()) || strings.Contains(d.Name(), fsutil.TempInfix):
			return nil
		}
		if kind := looksLike(path); kind == sniff.SQLite || hasDatabaseExtension(d.Name()) {
			found = append(found, path)
		} else {
			skipped = append(skipped, Skipped{Path: path, What: string(kind)})
		}
		return nil
	})
	return found, skipped, err
}

// looksLike is what package sniff makes of the file at path.
func looksLike(path string) sniff.Kind {
	st, err := sniff.Stat(path)
	var nd *sniff.NotDatabaseError
	if errors.As(err, &nd) {
		return nd.Kind
	}
	if err != nil {
		return "unreadable"
	}
	f, err := os.Open(path)
	if err != nil {
		return "unreadable"
	}
	defer f.Close()
	return sniff.Content(f, st.Size()).Kind
}

func isCompanion(name string) bool {
	for _, s := range companionSuffixes {
		if strings.HasSuffix(name, s) && len(name) > len(s) {
			return true
		}
	}
	return false
}

func hasDatabaseExtension(name string) bool {
	return slices.Contains(databaseExtensions, strings.ToLower(filepath.Ext(name)))
}

// withCompanions fills in the companions that exist beside j.Input and
// the bytes to read.
func withCompanions(j Job) Job {
	exists := func(p string) string {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
		return ""
	}
	j.WAL = exists(j.Input + outputs.SuffixWAL)
	j.Journal = exists(j.Input + outputs.SuffixJournal)
	j.Meta = exists(j.Input + SuffixMeta)
	j.Backup = exists(j.Input + SuffixBackup)
	for _, p := range []string{j.Input, j.WAL} {
		if st, err := os.Stat(p); p != "" && err == nil {
			j.Size += st.Size()
		}
	}
	return j
}

// commonDir is the deepest directory holding every one of dirs
// (absolute paths).
func commonDir(dirs []string) string {
	if len(dirs) == 0 {
		return ""
	}
	common := dirs[0]
	for _, d := range dirs[1:] {
		for !within(d, common) {
			parent := filepath.Dir(common)
			if parent == common {
				break
			}
			common = parent
		}
	}
	return common
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// sameDir reports whether a and b are one directory, links resolved.
func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
