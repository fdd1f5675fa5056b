package backup

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// layerFiles is one real set of the bytes every layer reads: a WAL-mode
// database with frames in its WAL, a backup of it, the backup's manifest
// and the metadata backup inside the manifest.
type layerFiles struct {
	dir, db, backup    string
	wal, manifest      []byte
	lastFrame          int64 // offset of the WAL's last frame, which no later frame can vouch for
	meta, backupImage  []byte
	recordPayload      []byte // the first sqlite_master row of the backup
	recordEncoding     uint32
	manifestOfSnapshot *Manifest
}

func newLayerFiles(t *testing.T) *layerFiles {
	t.Helper()
	dir := t.TempDir()
	src, _ := newDB(t, dir, true, 40) // the connection stays open: the WAL keeps its frames
	dst := filepath.Join(dir, "app.db.backup")
	mustRun(t, src, dst, Options{})
	lf := &layerFiles{dir: dir, db: src, backup: dst}
	var err error
	if lf.wal, err = os.ReadFile(src + "-wal"); err != nil {
		t.Fatal(err)
	}
	w, err := pagefile.ReadWAL(bytes.NewReader(lf.wal), int64(len(lf.wal)))
	if err != nil || len(w.Frames) == 0 || w.Stop != nil {
		t.Fatalf("the source's WAL is no clean log with frames (%v): the WAL cases would prove nothing", err)
	}
	lf.lastFrame = w.Frames[len(w.Frames)-1].Offset
	if lf.manifest, err = os.ReadFile(dst + ManifestSuffix); err != nil {
		t.Fatal(err)
	}
	if lf.manifestOfSnapshot, err = DecodeManifest(lf.manifest); err != nil {
		t.Fatal(err)
	}
	lf.meta = lf.manifestOfSnapshot.Meta
	if lf.backupImage, err = os.ReadFile(dst); err != nil {
		t.Fatal(err)
	}
	f, err := pagefile.Open(dst, pagefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := btree.ReaderFor(f)
	if _, err := r.Walk(btree.SchemaRoot, func(e *btree.Entry) error {
		lf.recordPayload = bytes.Clone(e.Payload)
		return btree.ErrStop
	}); err != nil || len(lf.recordPayload) == 0 {
		t.Fatalf("no sqlite_master row in the backup: %v", err)
	}
	lf.recordEncoding = r.Encoding()
	return lf
}

// outcome is what a caller can learn of an error with errors.Is and
// errors.As alone.
type outcome struct {
	Type               string // "corrupt" (*pagefile.CorruptError), "format" (*master.FormatError) or %T
	File               string // FormatError.File
	Truncated, Checked bool   // errors.Is pagefile.ErrTruncated, pagefile.ErrChecksum
	BadValue           bool   // errors.Is pagefile.ErrBadValue
}

func outcomeOf(err error) outcome {
	var o outcome
	var ce *pagefile.CorruptError
	var fe *FormatError // the same type as *master.FormatError
	switch {
	case errors.As(err, &ce):
		o.Type = "corrupt"
	case errors.As(err, &fe):
		o.Type, o.File = "format", fe.File
	default:
		o.Type = "not typed"
		if err == nil {
			o.Type = "no error"
		}
	}
	o.Truncated = errors.Is(err, pagefile.ErrTruncated)
	o.Checked = errors.Is(err, pagefile.ErrChecksum)
	o.BadValue = errors.Is(err, pagefile.ErrBadValue)
	return o
}

// TestTruncationIsOneError: bytes cut short answer errors.Is(err,
// pagefile.ErrTruncated) whatever the layer that met them, a page's
// record, the database header, a WAL, a metadata backup, a backup
// manifest, and errors.As finds the layer's type.
func TestTruncationIsOneError(t *testing.T) {
	lf := newLayerFiles(t)
	cutManifest := filepath.Join(t.TempDir(), "cut.backup")
	if err := os.WriteFile(cutManifest+ManifestSuffix, lf.manifest[:len(lf.manifest)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	walStop := func(wal []byte) error {
		w, err := pagefile.ReadWAL(bytes.NewReader(wal), int64(len(wal)))
		if err != nil {
			return err
		}
		return w.Stop
	}
	truncated := outcome{Type: "corrupt", Truncated: true}
	tests := []struct {
		name string
		err  error
		want outcome
	}{
		{"record cut inside a page", func() error {
			_, err := btree.DecodeRecord(lf.recordPayload[:len(lf.recordPayload)-1], lf.recordEncoding)
			return err
		}(), truncated},
		{"database shorter than its header", func() error {
			_, err := pagefile.ReadHeader(bytes.NewReader(lf.backupImage[:50]))
			return err
		}(), truncated},
		{"WAL shorter than its header", walStop(lf.wal[:pagefile.WALHeaderSize-1]), truncated},
		{"WAL cut inside a frame", walStop(lf.wal[:len(lf.wal)-100]), truncated},
		{"metadata backup cut in its body", func() error {
			_, err := master.Decode(lf.meta[:len(lf.meta)-1])
			return err
		}(), outcome{Type: "format", File: master.FileMeta, Truncated: true}},
		{"manifest cut in its metadata backup", func() error {
			_, err := DecodeManifest(lf.manifest[:len(lf.manifest)-5])
			return err
		}(), outcome{Type: "format", File: FileManifest, Truncated: true}},
		{"manifest file cut in half", func() error {
			_, err := ReadManifest(cutManifest)
			return err
		}(), outcome{Type: "format", File: FileManifest, Truncated: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, outcomeOf(tt.err)); diff != "" {
				t.Errorf("%v (-want +got):\n%s", tt.err, diff)
			}
		})
	}
}

// TestChecksumIsOneError: a byte changed under a checksum answers
// errors.Is(err, pagefile.ErrChecksum), and ErrBadValue, which it wraps,
// in a WAL frame, a metadata backup and a backup manifest alike.
func TestChecksumIsOneError(t *testing.T) {
	lf := newLayerFiles(t)
	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0x10
		return c
	}
	w, err := pagefile.ReadWAL(bytes.NewReader(flip(lf.wal, int(lf.lastFrame)+pagefile.WALFrameHeaderSize+7)), int64(len(lf.wal)))
	if err != nil {
		t.Fatal(err)
	}
	_, metaErr := master.Decode(flip(lf.meta, len(lf.meta)/2))
	_, manifestErr := DecodeManifest(flip(lf.manifest, manifestFixed+8))
	got := []outcome{outcomeOf(w.Stop), outcomeOf(metaErr), outcomeOf(manifestErr)}
	want := []outcome{
		{Type: "corrupt", Checked: true, BadValue: true},
		{Type: "format", File: master.FileMeta, Checked: true, BadValue: true},
		{Type: "format", File: FileManifest, Checked: true, BadValue: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WAL frame, metadata backup, manifest with a byte changed (-want +got):\n%s\nerrors: %v; %v; %v", diff, w.Stop, metaErr, manifestErr)
	}
}

// TestEveryManifestTruncation cuts a real manifest at every length: each
// cut is a *FormatError of a manifest, caused by pagefile.ErrTruncated,
// at an offset inside the bytes it had.
func TestEveryManifestTruncation(t *testing.T) {
	lf := newLayerFiles(t)
	for n := 0; n < len(lf.manifest); n++ {
		_, err := DecodeManifest(lf.manifest[:n])
		var fe *master.FormatError
		if !errors.As(err, &fe) || fe.File != FileManifest || !errors.Is(err, pagefile.ErrTruncated) || fe.Offset > int64(n) {
			t.Fatalf("cut to %d of %d bytes: %v, want a manifest *FormatError wrapping pagefile.ErrTruncated", n, len(lf.manifest), err)
		}
	}
}

// TestFormatErrorNamesTheFile: the one FormatError type reads as before
// for each of dbrescue's files, with the path when a file was read.
func TestFormatErrorNamesTheFile(t *testing.T) {
	lf := newLayerFiles(t)
	bad := filepath.Join(t.TempDir(), "x.backup")
	if err := os.WriteFile(bad+ManifestSuffix, []byte("DBRB"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, fileErr := ReadManifest(bad)
	_, metaErr := master.Decode([]byte("SQLite format 3\x00"))
	_, bodyErr := master.Decode(lf.meta[:20])
	got := []string{fileErr.Error(), metaErr.Error(), bodyErr.Error()}
	want := []string{
		"backup manifest " + bad + ManifestSuffix + ": offset 4: file ends inside the magic",
		"metadata backup: offset 0: no metadata backup magic",
		"metadata backup: offset 20: file ends inside the fingerprint",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !errors.Is(metaErr, master.ErrNotMeta) {
		t.Errorf("a SQLite file read as a metadata backup: %v, want master.ErrNotMeta", metaErr)
	}
}

// TestJournalErrors: an undo journal cut anywhere is a *FormatError of a
// journal caused by pagefile.ErrTruncated, and one with a byte changed is
// caused by pagefile.ErrChecksum, so that recoverJournal's verdict
// (discard it: the update never touched the backup) rests on typed errors.
func TestJournalErrors(t *testing.T) {
	_, _, dst := interrupted(t, 300, stageJournal)
	journal, err := os.ReadFile(dst + JournalSuffix)
	if err != nil {
		t.Fatal(err)
	}
	read := func(b []byte) error {
		p := filepath.Join(t.TempDir(), "j")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		jf, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer jf.Close()
		_, err = readJournal(jf)
		return err
	}
	if err := read(journal); err != nil {
		t.Fatalf("the whole journal: %v", err)
	}
	cut := outcome{Type: "format", File: FileJournal, Truncated: true}
	for n := 0; n < len(journal); n += 1 + n/64 { // every length at first, then a sample
		if got := outcomeOf(read(journal[:n])); got != cut {
			t.Fatalf("journal cut to %d of %d bytes: %+v, want %+v", n, len(journal), got, cut)
		}
	}
	changed := bytes.Clone(journal)
	changed[journalHeader+recordHeader+5] ^= 0x10 // a byte of the first saved span
	want := outcome{Type: "format", File: FileJournal, Checked: true, BadValue: true}
	if got := outcomeOf(read(changed)); got != want {
		t.Errorf("journal with a saved byte changed: %+v, want %+v", got, want)
	}
}
