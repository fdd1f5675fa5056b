package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/remote"
)

// fuzzKey is the key of the encrypted seeds.
const fuzzKey = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed"

func fuzzKeyFor(t testing.TB, enc bool) *Key {
	if !enc {
		return nil
	}
	k, err := ParseKey([]byte(fuzzKey))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzDecodeVersion decodes arbitrary bytes as the version manifest key.
// It must never panic or allocate beyond what the input can hold, every
// failure must be an *ObjectError, and what it accepts must survive an
// encode and decode unchanged. Seeds in testdata/fuzz/FuzzDecodeVersion
// come from TestUpdateStoreSeeds.
func FuzzDecodeVersion(f *testing.F) {
	f.Fuzz(func(t *testing.T, key string, b []byte, enc bool) {
		k := fuzzKeyFor(t, enc)
		v, err := decodeVersion(key, b, k)
		if err != nil {
			var oe *ObjectError
			if !errors.As(err, &oe) {
				t.Fatalf("error %T is not an *ObjectError: %v", err, err)
			}
			return
		}
		if uint64(v.PageCount)*3 > uint64(len(b)) {
			t.Fatalf("accepted %d pages from %d bytes", v.PageCount, len(b))
		}
		again, err := decodeVersion(key, encodeVersion(v, key, k, false), k)
		if err != nil {
			t.Fatalf("re-encoded manifest: %v", err)
		}
		if diff := cmp.Diff(v, again, cmp.AllowUnexported(version{}, segRef{}, pageLoc{})); diff != "" {
			t.Fatalf("re-encoding changed the version (-first +again):\n%s", diff)
		}
	})
}

// FuzzOpenFrame decodes arbitrary bytes as a frame of a segment. It must
// never panic, fail only with an *ObjectError, and return a page only
// when the page has the CRC asked for.
func FuzzOpenFrame(f *testing.F) {
	f.Fuzz(func(t *testing.T, frame []byte, big bool, enc bool, crc uint32) {
		ps := 512
		if big {
			ps = 4096
		}
		dst := make([]byte, ps)
		_, err := openFrame("segments/x-000000.seg", segmentHeader, frame, fuzzKeyFor(t, enc), crc, dst, nil)
		if err != nil {
			var oe *ObjectError
			if !errors.As(err, &oe) {
				t.Fatalf("error %T is not an *ObjectError: %v", err, err)
			}
			return
		}
		if master.PageCRC(dst) != crc {
			t.Fatalf("a page whose CRC is not the one asked for was accepted")
		}
	})
}

// FuzzCheckSegmentHeader checks segment headers from arbitrary bytes.
func FuzzCheckSegmentHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, enc bool) {
		err := checkSegmentHeader("segments/x-000000.seg", b, 4096, fuzzKeyFor(t, enc))
		var oe *ObjectError
		if err != nil && !errors.As(err, &oe) {
			t.Fatalf("error %T is not an *ObjectError: %v", err, err)
		}
	})
}

// FuzzParseLock reads arbitrary lock objects.
func FuzzParseLock(f *testing.F) {
	f.Add("dbrescue run lock\nrun=r\nbase=b\nhost=h\npid=1\n", "r")
	f.Fuzz(func(t *testing.T, body, run string) {
		if base, ok := parseLock(body, run); ok && len(base) > maxIDLen {
			t.Fatalf("accepted a base of %d bytes", len(base))
		}
	})
}

// TestUpdateStoreSeeds writes the seeds of the store's fuzz targets from
// real objects of a small database's versions.
func TestUpdateStoreSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite testdata/fuzz/Fuzz{DecodeVersion,OpenFrame,CheckSegmentHeader}")
	}
	type seed struct {
		target, name string
		args         []any
	}
	var seeds []seed
	for _, enc := range []bool{false, true} {
		dir := t.TempDir()
		st, err := remote.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		src, db := newDB(t, t.TempDir(), true, 40)
		k := fuzzKeyFor(t, enc)
		mustRunToStore(t, src, st, StoreOptions{Key: k})
		if _, err := db.Exec(`UPDATE msg SET body = 'x' WHERE id = 7`); err != nil {
			t.Fatal(err)
		}
		r := mustRunToStore(t, src, st, StoreOptions{Key: k})
		v, err := selectVersion(context.Background(), st, Selector{ID: r.Version}, k)
		if err != nil {
			t.Fatal(err)
		}
		name := map[bool]string{false: "plain", true: "sealed"}[enc]
		key := versionKey(v.ID)
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, seed{"FuzzDecodeVersion", name, []any{key, b, enc}},
			seed{"FuzzDecodeVersion", name + "-truncated", []any{key, b[:len(b)*2/3], enc}})
		for i, pg := range []int{0, 1, len(v.locs) - 1} {
			l := v.locs[pg]
			seg, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(v.segs[l.seg].key)))
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				seeds = append(seeds, seed{"FuzzCheckSegmentHeader", name, []any{seg[:segmentHeader], enc}})
			}
			// Frames re-sealed at the offset the fuzz target opens them at.
			var w segmentWriter
			w.reset("segments/x-000000.seg", nil, v.PageSize, k)
			page := make([]byte, v.PageSize)
			if _, err := openFrame(v.segs[l.seg].key, int64(l.off), seg[l.off:l.off+l.n], k, v.manifest.CRCs[pg], page, nil); err != nil {
				t.Fatal(err)
			}
			fl := w.add(page)
			seeds = append(seeds, seed{"FuzzOpenFrame", fmt.Sprintf("%s-page%d", name, pg+1), []any{w.buf[fl.off : fl.off+fl.n], true, enc, v.manifest.CRCs[pg]}})
		}
	}
	for _, s := range seeds {
		dir := filepath.Join("testdata", "fuzz", s.target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		text := "go test fuzz v1\n"
		for _, a := range s.args {
			switch a := a.(type) {
			case string:
				text += "string(" + strconv.Quote(a) + ")\n"
			case []byte:
				text += "[]byte(" + strconv.Quote(string(a)) + ")\n"
			case bool:
				text += "bool(" + strconv.FormatBool(a) + ")\n"
			case uint32:
				text += "uint32(" + strconv.FormatUint(uint64(a), 10) + ")\n"
			}
		}
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
