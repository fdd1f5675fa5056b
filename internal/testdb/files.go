package testdb

import (
	"crypto/sha256"
	"os"
	"testing"
)

// ReadFile returns the bytes of the file at path, failing the test when
// it cannot be read.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FileSHA256 is the SHA-256 of the file at path, for tests that prove a
// command left its inputs as they were.
func FileSHA256(t testing.TB, path string) [32]byte {
	t.Helper()
	return sha256.Sum256(ReadFile(t, path))
}
