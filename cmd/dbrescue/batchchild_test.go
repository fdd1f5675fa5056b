package main

import (
	"context"
	"os"
	"testing"

	"github.com/dbrescue/dbrescue/batch"
)

// TestMain makes the test binary a batch child when a batch repair run
// in-process starts it, as main does.
func TestMain(m *testing.M) {
	if batch.IsChild() {
		os.Exit(batch.ServeChild(context.Background(), os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}
