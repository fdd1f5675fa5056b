package census_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrescue/dbrescue/census"
)

// The pass over every page runs on every core, each taking runs of pages;
// what it finds must not depend on which core read which page: a damaged
// file (page 1 zeroed, so that every tree is an orphan the pass finds; a
// page of garbage; a zeroed page inside a tree) has the same census on one
// core as on four.
func TestPassIsTheSameOnEveryCore(t *testing.T) {
	for _, cfg := range matrix() {
		if !cfg.BigValues || cfg.WAL {
			continue // too few pages for the pass to be shared
		}
		t.Run(cfg.Name(), func(t *testing.T) {
			path, _ := build(t, cfg)
			broken := damaged(t, path, func(b []byte) []byte {
				ps := cfg.PageSize
				clear(b[:ps])
				if n := len(b) / ps; n > 8 {
					for i := range ps {
						b[(n/2)*ps+i] = byte(i*7 + 3)
					}
					clear(b[(n/3)*ps : (n/3+1)*ps])
				}
				return b
			})
			hint := census.Hint{PageSize: cfg.PageSize, Reserved: cfg.Reserved, Encoding: cfg.Encoding}
			prev := runtime.GOMAXPROCS(1)
			one := take(t, broken, hint)
			runtime.GOMAXPROCS(4)
			four := take(t, broken, hint)
			runtime.GOMAXPROCS(prev)
			if len(one.Pages) < 2*256 {
				t.Fatalf("%d pages: too few for the pass to be shared", len(one.Pages))
			}
			if d := cmp.Diff(summary(one), summary(four)); d != "" {
				t.Errorf("census on one core vs four (-one +four):\n%s", d)
			}
		})
	}
}

// censusSummary is what a census says, in comparable form.
type censusSummary struct {
	Pages      []census.Page
	Trees      []string
	Conflicts  []string
	Missing    uint32
	MissingWhy string
}

func summary(c *census.Census) censusSummary {
	s := censusSummary{Pages: c.Pages, Missing: c.Missing, MissingWhy: c.MissingWhy}
	for _, tr := range c.Trees {
		line := fmt.Sprintf("%d root %d from %v index %v", tr.Index, tr.Root, tr.From, tr.IndexTree)
		if tr.Walk != nil {
			line += fmt.Sprintf(" pages %v overflow %v errors %v", tr.Walk.Pages, tr.Walk.Overflow, tr.Walk.Errors)
		}
		s.Trees = append(s.Trees, line)
	}
	for _, err := range c.Conflicts {
		s.Conflicts = append(s.Conflicts, err.Error())
	}
	return s
}
