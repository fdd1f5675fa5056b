package pagefile_test

import (
	"testing"

	"github.com/dbrescue/dbrescue/pagefile"
)

func TestAllZero(t *testing.T) {
	page := make([]byte, 4096)
	if !pagefile.AllZero(page) || !pagefile.AllZero(nil) {
		t.Fatal("a page of zeros (or no bytes) is not all zero")
	}
	for _, at := range []int{0, 1, 2047, 4095} {
		page[at] = 0x01
		if pagefile.AllZero(page) {
			t.Errorf("a page with byte %d set is all zero", at)
		}
		page[at] = 0
	}
}
