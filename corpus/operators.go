package corpus

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/dbrescue/dbrescue/internal/outputs"
)

// Kind names a corruption operator.
type Kind string

// The corruption kinds. Kinds() describes each.
const (
	ZeroPage1        Kind = "zero-page1"
	GarbagePage1     Kind = "garbage-page1"
	ZeroHeader       Kind = "zero-header"
	BadPageSize      Kind = "bad-page-size"
	ZeroPage         Kind = "zero-page"
	GarbagePage      Kind = "garbage-page"
	Truncate         Kind = "truncate"
	ByteFlips        Kind = "byte-flips"
	TornWrite        Kind = "torn-write"
	OverflowLoop     Kind = "overflow-loop"
	OverflowCut      Kind = "overflow-cut"
	BtreeLoop        Kind = "btree-loop"
	FreelistLoop     Kind = "freelist-loop"
	SchemaSQLGarbled Kind = "schema-sql-garbled"
	SchemaRowDeleted Kind = "schema-row-deleted"
	SwapPages        Kind = "swap-pages"
	WALFrameDamaged  Kind = "wal-frame-damaged"
	WALSaltMismatch  Kind = "wal-salt-mismatch"
)

// Target chooses which page zero-page and garbage-page destroy.
type Target string

// Targets. Leaf, interior and root pages are chosen among the b-tree pages
// of application tables (WITHOUT ROWID tables included, sqlite_master and
// indexes not): a leaf is a non-root leaf, an interior page is any interior
// page (the root too: small tables have no other), a root is a table's root
// whatever its type. Overflow is any overflow page of those tables; random
// is any page but page 1.
const (
	TargetLeaf     Target = "leaf"
	TargetInterior Target = "interior"
	TargetRoot     Target = "root"
	TargetOverflow Target = "overflow"
	TargetRandom   Target = "random"
)

// Targets lists every target, in the order help texts show them.
var Targets = []Target{TargetLeaf, TargetInterior, TargetRoot, TargetOverflow, TargetRandom}

// Corruption asks for one corruption.
type Corruption struct {
	Kind Kind
	// Seed chooses the pages, bytes and values; the same seed on the same
	// input gives the same output.
	Seed uint64
	// Target is for zero-page and garbage-page; empty means leaf.
	Target Target
	// Fraction is for truncate: the fraction of the file kept, in (0, 1).
	// Zero draws one from the seed between 0.3 and 0.9.
	Fraction float64
	// Count is for byte-flips: how many bytes to change. Zero means 16.
	Count int
	// JournalPath names the input's rollback journal; empty means the
	// input's path followed by "-journal", used when it exists. A hot
	// journal is rolled back in memory before the damage, as SQLite would
	// roll it back: the committed database is damaged, and the output has
	// no journal. The input and its journal are never written.
	JournalPath string
	// NoJournal ignores any rollback journal: the main file is damaged as
	// it is, uncommitted pages and all.
	NoJournal bool
}

// KindInfo describes a kind for listings and help.
type KindInfo struct {
	Kind    Kind     `json:"kind"`
	Summary string   `json:"summary"`
	Targets []Target `json:"targets,omitempty"` // accepted targets; none when the kind takes no target
	// NeedsWAL is true for kinds that damage the -wal file.
	NeedsWAL bool `json:"needs_wal,omitempty"`
	// NeedsSearch is true for kinds that damage a full-text index: the
	// database must be built with Spec.Search.
	NeedsSearch bool `json:"needs_search,omitempty"`
	// Options names the Corruption fields the kind reads besides Seed.
	Options []string `json:"options,omitempty"`
}

// operator is a registered kind: its description and what it does.
type operator struct {
	KindInfo
	apply func(*op) error
}

// op is the state one operator runs with.
type op struct {
	ctx context.Context
	c   Corruption
	rng *rand.Rand
	im  *image
	dmg *Damage
	lay *Layout
}

// layout walks the input once, on first use.
func (o *op) layout() *Layout {
	if o.lay == nil {
		o.lay = o.im.layout()
	}
	return o.lay
}

// operators is the registry, in the order Kinds lists them.
var operators = []operator{}

func register(info KindInfo, apply func(*op) error) {
	operators = append(operators, operator{KindInfo: info, apply: apply})
}

func init() {
	registerHeaderKinds()
	registerPageKinds()
	registerFileKinds()
	registerChainKinds()
	registerSchemaKinds()
	registerWALKinds()
	registerCellKinds()
}

// Kinds lists every corruption kind.
func Kinds() []KindInfo {
	out := make([]KindInfo, len(operators))
	for i, o := range operators {
		out[i] = o.KindInfo
	}
	return out
}

func lookup(k Kind) (*operator, bool) {
	for i := range operators {
		if operators[i].Kind == k {
			return &operators[i], true
		}
	}
	return nil, false
}

// Corrupt reads the database at in (and in-wal, when present, with a hot
// rollback journal rolled back in memory, see Corruption.JournalPath),
// applies the corruption c and writes the result to out (and out-wal when
// the input has a WAL; a stale out-wal, out-shm or out-journal is removed
// otherwise, so SQLite cannot apply it to the new file). The input is opened read-only and never
// written; each output file is replaced atomically. It returns what was
// destroyed. Errors are *CorruptionError wrapping ErrUnknownKind,
// ErrBadOption, ErrNoTarget, ErrSameFile or an I/O error.
func Corrupt(ctx context.Context, in, out string, c Corruption) (*Damage, error) {
	d, err := corrupt(ctx, in, out, c)
	if err != nil {
		return nil, &CorruptionError{Kind: c.Kind, Path: in, Err: err}
	}
	return d, nil
}

func corrupt(ctx context.Context, in, out string, c Corruption) (*Damage, error) {
	o, ok := lookup(c.Kind)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, c.Kind)
	}
	if err := o.check(&c); err != nil {
		return nil, err
	}
	if err := checkDistinct(in, out); err != nil {
		return nil, err
	}
	im, err := loadImage(in, c)
	if err != nil {
		return nil, err
	}
	if o.NeedsWAL && im.file.WAL == nil {
		return nil, noTarget("the database has no WAL with verified frames")
	}
	d := &Damage{Kind: c.Kind, Seed: c.Seed, Target: c.Target}
	run := &op{ctx: ctx, c: c, rng: seededRand(c), im: im, dmg: d}
	if err := o.apply(run); err != nil {
		return nil, err
	}
	im.finish()
	if err := im.measure(d); err != nil {
		return nil, err
	}
	return d, im.write(out)
}

// check validates and defaults the options of c for this kind.
func (o *operator) check(c *Corruption) error {
	switch {
	case c.Target != "" && len(o.Targets) == 0:
		return badOption("%s takes no target", o.Kind)
	case c.Target == "" && len(o.Targets) > 0:
		c.Target = o.Targets[0]
	case c.Target != "" && !slices.Contains(o.Targets, c.Target):
		return badOption("%s: target %q is not one of %v", o.Kind, c.Target, o.Targets)
	case c.Fraction != 0 && o.Kind != Truncate:
		return badOption("%s takes no fraction", o.Kind)
	case c.Fraction < 0 || c.Fraction >= 1:
		return badOption("fraction %v is not in (0, 1)", c.Fraction)
	case c.Count != 0 && o.Kind != ByteFlips:
		return badOption("%s takes no count", o.Kind)
	case c.Count < 0:
		return badOption("count %d is negative", c.Count)
	}
	return nil
}

// seededRand gives every (kind, seed) its own PCG stream, so the same seed
// picks unrelated pages for different kinds.
func seededRand(c Corruption) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(c.Kind))
	h.Write([]byte(c.Target))
	return rand.New(rand.NewPCG(c.Seed, h.Sum64()))
}

// checkDistinct refuses an output (a database: write writes its -wal and
// removes its -shm) that is, or aliases, the input or one of its
// companions: ErrSameFile, wrapping the *outputs.ConflictError.
func checkDistinct(in, out string) error {
	if err := outputs.Check(new(outputs.Files).Database(in), new(outputs.Files).Database(out)); err != nil {
		return fmt.Errorf("%w: %w", ErrSameFile, err)
	}
	return nil
}

// write writes the damaged files: the WAL first, so that whoever finds the
// new database finds its WAL beside it.
func (im *image) write(out string) error {
	for _, stale := range []string{out + "-shm", out + "-journal"} {
		if err := removeIfExists(stale); err != nil {
			return err
		}
	}
	if im.wal != nil {
		if err := writeFileAtomic(out+"-wal", im.wal); err != nil {
			return err
		}
	} else if err := removeIfExists(out + "-wal"); err != nil {
		return err
	}
	if err := writeFileAtomic(out, im.db); err != nil {
		return errors.Join(err, removeIfExists(out+"-wal"))
	}
	return nil
}
