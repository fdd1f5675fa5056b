package testdb

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// WriteSeed writes one fuzz corpus file, dir/name, in the format go test
// -fuzz reads: one line per argument of the fuzz function, in order. The
// arguments may be []byte, uint32 or uint8 (written as byte).
func WriteSeed(dir, name string, args ...any) error {
	text := "go test fuzz v1\n"
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			text += "[]byte(" + strconv.Quote(string(v)) + ")\n"
		case uint32:
			text += fmt.Sprintf("uint32(%d)\n", v)
		case uint8:
			text += fmt.Sprintf("byte('\\x%02x')\n", v)
		default:
			return fmt.Errorf("testdb: seed argument of type %T", a)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
}

// ReadSeed returns the bytes of a fuzz corpus file of one []byte
// argument, as WriteSeed writes it, so that one package's seeds can seed
// another's fuzz target.
func ReadSeed(t testing.TB, path string) []byte {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
		t.Fatalf("%s is not a fuzz seed of one []byte", path)
	}
	b, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(b)
}
