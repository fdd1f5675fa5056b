package pagelist_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/internal/pagelist"
)

// TestFormat covers the styles dbrescue prints lists in: the corpus's
// damage summaries, inspect's page lists and overflow chains (elided after
// a few), and meta show's leaf ranges.
func TestFormat(t *testing.T) {
	damage := pagelist.Style{Sep: ", ", Runs: true}
	listed := pagelist.Style{Sep: " ", Max: 3}
	chain := pagelist.Style{Sep: " -> ", Max: 3}
	ranges := pagelist.Style{Sep: " ", Runs: true}
	tests := []struct {
		style pagelist.Style
		pages []uint32
		want  string
	}{
		{damage, nil, ""},
		{damage, []uint32{17}, "17"},
		{damage, []uint32{17, 18, 19}, "17-19"},
		{damage, []uint32{17, 23}, "17, 23"},
		{damage, []uint32{5, 6, 7, 9}, "5-7, 9"},
		{listed, []uint32{4, 2, 9}, "4 2 9"},
		{listed, []uint32{4, 2, 9, 11, 12}, "4 2 9 ... (2 more)"},
		{chain, []uint32{12, 13}, "12 -> 13"},
		{chain, []uint32{12, 13, 14, 15}, "12 -> 13 -> 14 -> ... (1 more)"},
		{ranges, []uint32{3, 4, 5, 19, 22, 23}, "3-5 19 22-23"},
		{ranges, []uint32{9, 8, 7}, "9 8 7"}, // list order: a descending run is not a run
		{ranges, []uint32{math.MaxUint32, 0, 1}, "4294967295 0-1"},
		{pagelist.Style{Sep: " ", Runs: true, Max: 2}, []uint32{1, 2, 3, 7, 9, 10}, "1-3 7 ... (2 more)"},
	}
	for _, tt := range tests {
		if got := tt.style.Format(tt.pages); got != tt.want {
			t.Errorf("%+v.Format(%v):\n%s", tt.style, tt.pages, cmp.Diff(tt.want, got))
		}
	}
}
