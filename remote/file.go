package remote

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dbrescue/dbrescue/internal/fsutil"
)

// Dir is a store in a directory: an object is a file at its key's path
// below the directory.
type Dir struct {
	root string // absolute
}

// OpenDir opens the directory store at dir, which must exist.
func OpenDir(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, &Error{Store: "file://" + abs, Op: "open", Key: "", Err: err}
	}
	if !st.IsDir() {
		return nil, &Error{Store: "file://" + abs, Op: "open", Key: "", Err: errors.New("not a directory")}
	}
	return &Dir{root: abs}, nil
}

// Root is the store's directory.
func (d *Dir) Root() string { return d.root }

func (d *Dir) String() string { return "file://" + filepath.ToSlash(d.root) }

func (d *Dir) fail(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		err = ErrNotFound
	} else if errors.Is(err, fs.ErrExist) {
		err = ErrExists
	}
	return &Error{Store: d.String(), Op: op, Key: key, Err: err}
}

func (d *Dir) path(key string) string { return filepath.Join(d.root, filepath.FromSlash(key)) }

// List walks the directory that holds prefix. Temporary files of a Create
// under way are not objects.
func (d *Dir) List(ctx context.Context, prefix string) ([]Object, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, d.fail("list", prefix, err)
	}
	start := d.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = d.path(prefix[:i])
	}
	var out []Object
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() {
			return ctx.Err()
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) || strings.Contains(path.Base(key), fsutil.TempInfix) || !e.Type().IsRegular() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted since the directory was read
			}
			return err
		}
		out = append(out, Object{Key: key, Size: info.Size(), Modified: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, d.fail("list", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// ReadRange reads with one pread.
func (d *Dir) ReadRange(_ context.Context, key string, off, n int64) ([]byte, error) {
	if err := CheckKey(key); err != nil {
		return nil, d.fail("read", key, err)
	}
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, d.fail("read", key, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, d.fail("read", key, err)
	}
	if off < 0 || n < 0 {
		return nil, d.fail("read", key, errors.New("negative range"))
	}
	n = max(0, min(n, st.Size()-off))
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, d.fail("read", key, err)
	}
	return buf[:m], nil
}

// Create writes data to a temporary file beside the object, fsyncs it and
// hard-links it under the object's name, which fails if the name exists:
// the object appears whole or not at all, and never replaces another.
func (d *Dir) Create(_ context.Context, key string, data []byte) error {
	if err := CheckKey(key); err != nil {
		return d.fail("create", key, err)
	}
	p := d.path(key)
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return d.fail("create", key, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(p)+fsutil.TempInfix+"*")
	if err != nil {
		return d.fail("create", key, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), p)
	}
	if err == nil {
		err = fsutil.SyncDir(dir)
	}
	if err != nil {
		return d.fail("create", key, err)
	}
	return nil
}

// Delete removes the files.
func (d *Dir) Delete(_ context.Context, keys []string) error {
	for _, k := range keys {
		if err := CheckKey(k); err != nil {
			return d.fail("delete", k, err)
		}
		if err := os.Remove(d.path(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return d.fail("delete", k, err)
		}
	}
	return nil
}
