package backup

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/remote"
)

// maxVersionObject bounds a version manifest read whole: about 8 bytes a
// page, so 1 GiB is a database of well over 100 million pages.
const maxVersionObject = 1 << 30

// versionObjects lists the version manifests of a store, oldest first.
func versionObjects(ctx context.Context, st remote.Store) ([]remote.Object, error) {
	objs, err := st.List(ctx, versionDir)
	if err != nil {
		return nil, err
	}
	out := objs[:0]
	for _, o := range objs {
		if versionID(o.Key) != "" {
			out = append(out, o)
		}
	}
	return out, nil // List sorts by key, which is by time
}

// ListVersions returns every version in the store, oldest first, as their
// summaries say. A version whose manifest cannot be read is listed with
// its ID and the Problem.
func ListVersions(ctx context.Context, st remote.Store, k *Key) ([]Listed, error) {
	objs, err := versionObjects(ctx, st)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(objs))
	for _, o := range objs {
		h, err := readHead(ctx, st, o, k, false)
		if err != nil {
			l := Listed{Version: Version{ID: versionID(o.Key), Size: o.Size}, Problem: storeErr(st, err).Error()}
			if t, ok := idTimeOf(l.ID); ok {
				l.CapturedAt = t.UnixNano()
			}
			out = append(out, l)
			continue
		}
		out = append(out, Listed{Version: h.Version})
	}
	return out, nil
}

// Listed is one entry of ListVersions.
type Listed struct {
	Version
	Problem string `json:"problem,omitempty"` // why the manifest cannot be used
}

// head is what the start of a version manifest says: its summary, and
// its segment table when asked for.
type head struct {
	Version
	segs []segRef
}

// readHead reads the header and summary of a version manifest (and the
// segment table, with segments) with one ranged read, or two when the
// sections are larger than a first guess.
func readHead(ctx context.Context, st remote.Store, o remote.Object, k *Key, segments bool) (*head, error) {
	b, err := st.ReadRange(ctx, o.Key, 0, min(o.Size, 8<<10))
	if err != nil {
		return nil, err
	}
	r, err := parseVersionHeader(o.Key, b, o.Size, k)
	if err != nil {
		return nil, err
	}
	need := int64(versionHeader + r.lens[0])
	if segments {
		need = r.headLen()
	}
	if int64(len(b)) < need {
		if b, err = st.ReadRange(ctx, o.Key, 0, need); err != nil {
			return nil, err
		}
	}
	plain, err := r.section(b, 0)
	if err != nil {
		return nil, err
	}
	h := &head{}
	if h.Version, err = r.decodeSummary(plain); err != nil {
		return nil, err
	}
	h.Size = o.Size
	if segments {
		if plain, err = r.section(b, 1); err != nil {
			return nil, err
		}
		if h.segs, err = r.decodeSegments(plain); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// readVersion reads and checks a whole version manifest.
func readVersion(ctx context.Context, st remote.Store, o remote.Object, k *Key) (*version, error) {
	if o.Size > maxVersionObject {
		return nil, objectErr(o.Key, 0, pagefile.ErrBadValue, "manifest of %d bytes (limit %d)", o.Size, maxVersionObject)
	}
	b, err := st.ReadRange(ctx, o.Key, 0, o.Size)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != o.Size {
		return nil, objectErr(o.Key, int64(len(b)), pagefile.ErrTruncated, "read %d bytes of a %d-byte manifest", len(b), o.Size)
	}
	return decodeVersion(o.Key, b, k)
}

// Selector picks a version: by ID (or a prefix of one ID), or the newest
// taken at or before At; the zero Selector picks the newest.
type Selector struct {
	ID string
	At time.Time
}

func (s Selector) String() string {
	switch {
	case s.ID != "":
		return "version " + s.ID
	case !s.At.IsZero():
		return "the newest version at or before " + s.At.UTC().Format(time.RFC3339Nano)
	}
	return "the newest version"
}

// pick returns the version object sel names among objs (oldest first).
func (s Selector) pick(objs []remote.Object) (remote.Object, error) {
	var found []remote.Object
	for _, o := range objs {
		id := versionID(o.Key)
		switch {
		case s.ID != "":
			if id == s.ID {
				return o, nil
			}
			if strings.HasPrefix(id, s.ID) {
				found = append(found, o)
			}
		case !s.At.IsZero():
			if t, ok := idTimeOf(id); ok && !t.After(s.At) {
				found = append(found, o)
			}
		default:
			found = append(found, o)
		}
	}
	if s.ID != "" && len(found) > 1 {
		return remote.Object{}, fmt.Errorf("%w: %q names %d versions; give more of the ID", ErrNoVersion, s.ID, len(found))
	}
	if len(found) == 0 {
		return remote.Object{}, fmt.Errorf("%w: no %s among %d", ErrNoVersion, strings.TrimPrefix(s.String(), "the "), len(objs))
	}
	return found[len(found)-1], nil
}

// selectVersion reads the version sel picks.
func selectVersion(ctx context.Context, st remote.Store, sel Selector, k *Key) (*version, error) {
	objs, err := versionObjects(ctx, st)
	if err != nil {
		return nil, err
	}
	o, err := sel.pick(objs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", st, err)
	}
	v, err := readVersion(ctx, st, o, k)
	if err != nil {
		return nil, storeErr(st, err)
	}
	return v, nil
}

// storeErr names the store in an ObjectError.
func storeErr(st remote.Store, err error) error {
	var oe *ObjectError
	if errors.As(err, &oe) && oe.Store == "" {
		oe.Store = strings.TrimSuffix(st.String(), "/") + "/"
	}
	return err
}

// sortSegs sorts keys for stable output.
func sortStrings(s []string) []string { sort.Strings(s); return s }
