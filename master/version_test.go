package master_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/master"
)

// TestDecodesVersion1 reads a backup written by the version-1 encoder
// (testdata/v1, see its README): it must decode to the Meta that encoder
// was given, with Counts false and no counts, and re-encode as version 2
// without inventing any.
func TestDecodesVersion1(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "v1", "ps512-utf8-av_none-res0.meta"))
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.BigEndian.Uint16(b[8:]); v != 1 {
		t.Fatalf("fixture has format version %d, want 1", v)
	}
	js, err := os.ReadFile(filepath.Join("testdata", "v1", "ps512-utf8-av_none-res0.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := &master.Meta{}
	if err := json.Unmarshal(js, want); err != nil {
		t.Fatal(err)
	}
	got, err := master.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("version 1 decoded (-written +read):\n%s", diff)
	}
	overflow := 0
	for _, tr := range got.Trees {
		overflow += len(tr.Overflow)
	}
	if got.Counts || overflow == 0 {
		t.Errorf("counts %v, %d overflow pages: want a version-1 backup with overflow chains", got.Counts, overflow)
	}
	again, err := master.Decode(mustEncode(t, got))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("re-encoded as version 2 (-v1 +v2):\n%s", diff)
	}
}

// TestEncodeRefusesIncoherentCounts: Encode must not write what would not
// read back as given.
func TestEncodeRefusesIncoherentCounts(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*master.Meta)
		reason string
	}{
		{"counts without the flag", func(m *master.Meta) { m.Counts = false }, "Counts is false"},
		{"cells without the flag", func(m *master.Meta) {
			m.Counts, m.Trees[0].OverflowCRCs, m.Trees[0].Entries = false, nil, 0
		}, "Counts is false"},
		{"fewer overflow CRCs than pages", func(m *master.Meta) { m.Trees[0].OverflowCRCs = nil }, "1 overflow pages and 0 overflow CRCs"},
		{"more overflow CRCs than pages", func(m *master.Meta) { m.Trees[0].OverflowCRCs = []uint32{1, 2} }, "1 overflow pages and 2 overflow CRCs"},
		{"negative entries", func(m *master.Meta) { m.Trees[0].Entries = -1 }, "-1 entries"},
		{"negative cells", func(m *master.Meta) { m.Trees[0].Leaves[1].Cells = -1 }, "-1 cells"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := smallMeta()
			tt.edit(m)
			if _, err := master.Encode(m); err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("Encode gave %v, want an error: %s", err, tt.reason)
			}
		})
	}
}

// TestUnchangedWantsCounts: a version-1 backup of an unchanged database
// still satisfies a schema-only request, but not one for page lists, so
// the first capture after an upgrade records the counts.
func TestUnchangedWantsCounts(t *testing.T) {
	ctx := context.Background()
	path, err := testdb.Build(ctx, t.TempDir(), testdb.Config{PageSize: 1024, Encoding: 1, AutoVacuum: "none", Rows: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	m, err := master.Capture(ctx, path, master.Options{})
	if err != nil {
		t.Fatal(err)
	}
	metaPath := path + ".meta"
	if err := os.WriteFile(metaPath, encodeV1(t, m), 0o644); err != nil {
		t.Fatal(err)
	}
	v1, err := master.ReadFile(metaPath)
	if err != nil {
		t.Fatalf("the test's version-1 encoding does not read: %v", err)
	}
	if diff := cmp.Diff(withoutCounts(m), v1); diff != "" {
		t.Fatalf("the test's version-1 encoding (-meta +read):\n%s", diff)
	}
	for _, tt := range []struct {
		opts master.Options
		want bool
	}{{master.Options{}, false}, {master.Options{SchemaOnly: true}, true}} {
		if same, err := master.Unchanged(path, metaPath, tt.opts); same != tt.want || err != nil {
			t.Errorf("version 1, %+v: unchanged=%v, %v; want %v", tt.opts, same, err, tt.want)
		}
	}
	if err := master.WriteFile(metaPath, m); err != nil {
		t.Fatal(err)
	}
	if same, err := master.Unchanged(path, metaPath, master.Options{}); !same || err != nil {
		t.Errorf("version 2: unchanged=%v, %v", same, err)
	}
}

// withoutCounts is m as a version-1 backup holds it.
func withoutCounts(m *master.Meta) *master.Meta {
	c := *m
	c.Counts = false
	c.Trees = make([]master.Tree, len(m.Trees))
	for i, tr := range m.Trees {
		tr.OverflowCRCs, tr.Entries = nil, 0
		tr.Leaves = append([]master.Leaf(nil), tr.Leaves...)
		for j := range tr.Leaves {
			tr.Leaves[j].Cells = 0
		}
		c.Trees[i] = tr
	}
	return &c
}

// encodeV1 writes m in format version 1, which differs from version 2 only
// in its version number and, in the body, in lacking the counts flag before
// the trees and the counts in them. It is built on Encode: the version-2
// body of m without counts, less the one flag byte.
func encodeV1(t *testing.T, m *master.Meta) []byte {
	t.Helper()
	m = withoutCounts(m)
	noTrees := *m
	noTrees.Trees = nil
	head := bodyOf(t, mustEncode(t, &noTrees))
	head = head[:len(head)-2] // the counts flag and a tree count of 0
	file := mustEncode(t, m)
	body := bodyOf(t, file)
	if !bytes.HasPrefix(body, head) || body[len(head)] != 0 {
		t.Fatalf("version-2 body does not start with the fields before the trees and a clear counts flag")
	}
	v1 := withBody(t, file, append(head, body[len(head)+1:]...), 0)
	binary.BigEndian.PutUint16(v1[8:], 1)
	reseal(v1)
	return v1
}

// bodyOf returns the decompressed body of an encoded backup.
func bodyOf(t testing.TB, file []byte) []byte {
	t.Helper()
	start := 20 + int(binary.BigEndian.Uint32(file[12:])) + 16
	b, err := io.ReadAll(flate.NewReader(bytes.NewReader(file[start : len(file)-4])))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
