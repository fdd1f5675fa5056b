package corpus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// MatrixOptions chooses a benchmark matrix.
type MatrixOptions struct {
	// Seeds is how many seeds per kind (default 3). Seed i (from 1) builds
	// its database with geometry i of a fixed cycle (see matrixGeometries)
	// and corrupts it with seed i.
	Seeds int
	// Kinds restricts the matrix; empty means every kind.
	Kinds []Kind
	// Bytes is the database size (default SizeSmall).
	Bytes int64
}

// Case is one cell of the matrix: a database to build and a corruption to
// apply to it.
type Case struct {
	// Name is unique in the matrix and file-name safe: kind[-target]-sN.
	Name       string
	Spec       Spec
	Corruption Corruption
}

// Label is the case's kind and target, e.g. "zero-page/leaf": the row of
// the benchmark table the case counts towards.
func (c Case) Label() string {
	if c.Corruption.Target != "" {
		return string(c.Corruption.Kind) + "/" + string(c.Corruption.Target)
	}
	return string(c.Corruption.Kind)
}

// Matrix lists every kind (each target of the kinds that take one) times
// every seed. Kinds that damage the WAL get WAL databases; the others get
// rollback-journal ones, whose main file holds everything.
func Matrix(opts MatrixOptions) []Case {
	if opts.Seeds <= 0 {
		opts.Seeds = 3
	}
	if opts.Bytes == 0 {
		opts.Bytes = SizeSmall
	}
	var cases []Case
	for _, k := range Kinds() {
		if len(opts.Kinds) > 0 && !slices.Contains(opts.Kinds, k.Kind) {
			continue
		}
		targets := k.Targets
		if len(targets) == 0 {
			targets = []Target{""}
		}
		for _, t := range targets {
			for s := 1; s <= opts.Seeds; s++ {
				spec := matrixGeometries[(s-1)%len(matrixGeometries)]
				spec.Seed, spec.Bytes, spec.Deletes, spec.WAL = uint64(s), opts.Bytes, true, k.NeedsWAL
				spec.Search = k.NeedsSearch
				if k.Kind == FreelistLoop && spec.AutoVacuum == "full" {
					// Full auto_vacuum empties the freelist at every commit.
					spec.AutoVacuum = "incremental"
				}
				c := Case{Spec: spec, Corruption: Corruption{Kind: k.Kind, Seed: uint64(s), Target: t}}
				c.Name = fmt.Sprintf("%s-s%d", c.Label(), s)
				if t != "" {
					c.Name = fmt.Sprintf("%s-%s-s%d", k.Kind, t, s)
				}
				cases = append(cases, c)
			}
		}
	}
	return cases
}

// Built is a case whose database was built and corrupted.
type Built struct {
	Case
	Original *DB
	// Broken is the corrupted copy (with Broken-wal for WAL databases).
	Broken string
	Damage *Damage
}

// BuildMatrix generates each distinct database of cases once, under
// dir/originals, and writes each corrupted copy to dir/broken/<name>.db.
func BuildMatrix(ctx context.Context, dir string, cases []Case) ([]Built, error) {
	for _, sub := range []string{"originals", "broken"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	dbs := map[string]*DB{}
	var out []Built
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		db := dbs[c.Spec.Name()]
		if db == nil {
			var err error
			if db, err = Generate(ctx, filepath.Join(dir, "originals"), c.Spec); err != nil {
				return out, err
			}
			dbs[c.Spec.Name()] = db
		}
		broken := filepath.Join(dir, "broken", c.Name+".db")
		d, err := Corrupt(ctx, db.Path, broken, c.Corruption)
		if err != nil {
			return out, fmt.Errorf("case %s: %w", c.Name, err)
		}
		out = append(out, Built{Case: c, Original: db, Broken: broken, Damage: d})
	}
	return out, nil
}
