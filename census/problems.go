package census

import (
	"errors"

	"github.com/dbrescue/dbrescue/pagefile"
)

// Damage lists what the census found wrong with the file, in the order a
// report lists it: the pages missing beyond the end, then for every tree
// (in census order) why it was not walked and the damage its walk met,
// then the pages claimed twice. Each is a *pagefile.CorruptError when the
// damage has a place, or an I/O error from the source.
func (c *Census) Damage() []error {
	var out []error
	if err := c.MissingDamage(); err != nil {
		out = append(out, err)
	}
	for _, t := range c.Trees {
		if t.Err != nil {
			out = append(out, t.Err)
		}
		if t.Walk != nil {
			out = append(out, t.Walk.Errors...)
		}
	}
	return append(out, c.Conflicts...)
}

// MissingDamage is the damage of a truncated file: the pages it lacks at
// its end and how that is known, located at the first missing page. Nil
// when no page is missing.
func (c *Census) MissingDamage() error {
	if c.Missing == 0 {
		return nil
	}
	first := uint32(len(c.Pages)) + 1
	return pagefile.Corrupt(first, 0, pagefile.ErrPastEnd, "%d pages missing beyond the end of the file (pages %d to %d): %s",
		c.Missing, first, uint64(first)+uint64(c.Missing)-1, c.MissingWhy)
}

// PageDamage returns, for every page of the file some damage of Damage is
// located in, the first such damage: what is wrong with page N. Damage
// with no page (an I/O error) and the missing pages are left out.
func (c *Census) PageDamage() map[uint32]error {
	out := map[uint32]error{}
	for _, err := range c.Damage() {
		var ce *pagefile.CorruptError
		if !errors.As(err, &ce) || ce.Pgno == 0 || int(ce.Pgno) > len(c.Pages) {
			continue
		}
		if _, ok := out[ce.Pgno]; !ok {
			out[ce.Pgno] = err
		}
	}
	return out
}
