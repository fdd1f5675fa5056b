package testdb

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
