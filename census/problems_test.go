package census_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/testdb"
	"github.com/dbrescue/dbrescue/pagefile"
)

// A leaf zeroed and the file cut short: Damage lists the missing pages
// first, then what the walks met; PageDamage says what is wrong with each
// page: the zeroed leaf, and the interior pages pointing beyond the end.
func TestDamageAndPageDamage(t *testing.T) {
	cfg := testdb.Config{PageSize: 1024, Encoding: 1, AutoVacuum: "none", Rows: 400, Seed: 13}
	path, orig := build(t, cfg)
	if len(orig.Damage()) != 0 || len(orig.PageDamage()) != 0 || orig.MissingDamage() != nil {
		t.Fatalf("a sound file has damage: %v", orig.Damage())
	}
	var leaf uint32
	for i, p := range orig.Pages {
		if p.Class == census.TableLeaf && orig.Owner(uint32(i+1)).Name == "t" && leaf == 0 {
			leaf = uint32(i + 1)
		}
	}
	total := uint32(len(orig.Pages))
	keep := total - 4
	cut := damaged(t, path, func(b []byte) []byte {
		clear(b[int(leaf-1)*cfg.PageSize : int(leaf)*cfg.PageSize])
		return b[:int(keep)*cfg.PageSize]
	})
	c := take(t, cut, census.Hint{PageCount: total})

	damage := c.Damage()
	want := fmt.Sprintf("corrupt page %d at offset 0: 4 pages missing beyond the end of the file (pages %d to %d): %s", keep+1, keep+1, total, c.MissingWhy)
	if len(damage) < 2 || damage[0].Error() != want || !errors.Is(damage[0], pagefile.ErrPastEnd) {
		t.Fatalf("damage %v: want first %q", damage, want)
	}
	if c.MissingDamage().Error() != want {
		t.Errorf("MissingDamage = %v, want %q", c.MissingDamage(), want)
	}
	pages := map[uint32]bool{}
	for pgno, err := range c.PageDamage() {
		var ce *pagefile.CorruptError
		if !errors.As(err, &ce) || ce.Pgno != pgno || pgno > keep {
			t.Errorf("page %d: %v", pgno, err)
		}
		pages[pgno] = true
	}
	if !pages[leaf] {
		t.Errorf("pages with damage %v lack the zeroed leaf %d", pages, leaf)
	}
	// Every located piece of damage of a page of the file is there.
	for _, err := range damage[1:] {
		var ce *pagefile.CorruptError
		if errors.As(err, &ce) && ce.Pgno != 0 && ce.Pgno <= keep && !pages[ce.Pgno] {
			t.Errorf("damage %v not in PageDamage", err)
		}
	}
}
