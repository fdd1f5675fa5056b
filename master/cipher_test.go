package master_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/master"
)

// TestCipherSaltVersion3: a backup is written as version 3 and reads back
// with its cipher salt, or none for a plain database; a salt of another
// length is refused.
func TestCipherSaltVersion3(t *testing.T) {
	js, err := os.ReadFile(filepath.Join("testdata", "v1", "ps512-utf8-av_none-res0.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := &master.Meta{}
	if err := json.Unmarshal(js, m); err != nil {
		t.Fatal(err)
	}
	for _, salt := range [][]byte{nil, bytes.Repeat([]byte{0xa7}, 16)} {
		m.CipherSalt = salt
		b, err := master.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if v := binary.BigEndian.Uint16(b[8:]); v != 3 {
			t.Errorf("salt %x: format version %d, want 3", salt, v)
		}
		got, err := master.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("salt %x: round trip (-want +got):\n%s", salt, diff)
		}
	}
	m.CipherSalt = []byte{1, 2, 3}
	b, err := master.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	var fe *master.FormatError
	if _, err := master.Decode(b); !errors.As(err, &fe) {
		t.Errorf("a 3-byte salt decodes: err %v", err)
	}
}
