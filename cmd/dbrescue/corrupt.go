package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/pagefile"
)

func corruptCommand() *cli.Command {
	return &cli.Command{
		Name:      "corrupt",
		Usage:     "write a damaged copy of a database, as devices damage them",
		ArgsUsage: "DB",
		Description: "Reads DB (and DB-wal) without changing it, applies one named corruption and writes\n" +
			"the result to OUT (and OUT-wal when DB has a WAL). A hot DB-journal is rolled back\n" +
			"in memory first, so the committed database is damaged; OUT gets no journal.\n" +
			"The same --seed gives the same bytes. The report says which pages and bytes were\n" +
			"destroyed; `dbrescue score --damage` reads its JSON to compute how many rows a\n" +
			"perfect repair could save.\n" +
			"--list shows every kind. OUT defaults to DB without its extension, then\n" +
			".KIND[-TARGET].db; an existing OUT is only replaced with --force.\n\n" +
			"Examples:\n" +
			"   dbrescue corrupt --list\n" +
			"   dbrescue corrupt --kind zero-page1 app.db\n" +
			"   dbrescue corrupt --kind zero-page --target interior --seed 7 -o broken.db app.db\n" +
			"   dbrescue corrupt --kind truncate --fraction 0.5 app.db --json > damage.json",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "list", Usage: "list the corruption kinds and exit"},
			&cli.StringFlag{Name: "kind", Usage: "the corruption `KIND` (see --list)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed choosing pages, bytes and values"},
			// The defaults of --target, --fraction and --count are the
			// corruption's own (empty or 0 means "the kind's default"), so
			// the usage says them once and urfave/cli's "(default: 0)" is
			// hidden.
			&cli.StringFlag{Name: "target", HideDefault: true, Usage: "for zero-page and garbage-page: `TARGET`, one of leaf, interior, root, overflow or random (default: leaf)"},
			&cli.Float64Flag{Name: "fraction", HideDefault: true, Usage: "for truncate: `FRACTION` of the file kept, in (0, 1) (default: drawn from the seed)"},
			&cli.IntFlag{Name: "count", HideDefault: true, Usage: "for byte-flips: `N` bytes changed, 1 or more (default: 16)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the damaged copy to `OUT`"},
			&cli.BoolFlag{Name: "force", Usage: "replace OUT if it exists"},
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
		}, append(journalFlags(), cipherFlags()...)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Bool("list") {
				if _, err := positionalArgs(cmd); err != nil {
					return err
				}
				return listKinds(cmd.Writer, cmd.Bool("json"))
			}
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			if cmd.String("kind") == "" {
				return usageErrorf(cmd.FullName(), "missing --kind (see --list)")
			}
			if cmd.IsSet("count") && cmd.Int("count") < 1 {
				return usageErrorf(cmd.FullName(), "--count %d: at least 1 byte", cmd.Int("count"))
			}
			opts := corruptOptions{
				DB: args[0], Out: cmd.String("output"), Force: cmd.Bool("force"), JSON: cmd.Bool("json"),
				Corruption: corpus.Corruption{
					Kind: corpus.Kind(cmd.String("kind")), Seed: cmd.Uint64("seed"), Target: corpus.Target(cmd.String("target")),
					Fraction: cmd.Float64("fraction"), Count: cmd.Int("count"),
				},
			}
			if opts.Corruption.JournalPath, opts.Corruption.NoJournal, err = sidecarChoice(cmd, "journal"); err != nil {
				return err
			}
			if opts.Cipher, err = inputCipher(cmd, args[0]); err != nil {
				return err
			}
			err = runCorrupt(ctx, opts, cmd.Writer)
			if errors.Is(err, corpus.ErrUnknownKind) || errors.Is(err, corpus.ErrBadOption) || errors.Is(err, corpus.ErrSameFile) {
				return &UsageError{Command: cmd.FullName(), Err: err}
			}
			return err
		},
	}
}

// corruptOptions are the corrupt command's flags and argument.
type corruptOptions struct {
	DB, Out    string
	Force      bool
	JSON       bool
	Corruption corpus.Corruption
	// Cipher, for an encrypted database, damages it as stored (see
	// corpus.CorruptEncrypted).
	Cipher *pagefile.Cipher
}

// corruptReport is the JSON document corrupt writes. score --damage reads
// it back.
type corruptReport struct {
	Input     string         `json:"input"`
	Output    string         `json:"output"`
	OutputWAL string         `json:"output_wal,omitempty"`
	Damage    *corpus.Damage `json:"damage"`
}

func runCorrupt(ctx context.Context, opts corruptOptions, stdout io.Writer) error {
	out := opts.Out
	if out == "" {
		out = defaultCorruptOutput(opts.DB, opts.Corruption)
	}
	// Before "exists": an output that is the input is refused as such,
	// with or without --force.
	if err := outputs.Check(new(outputs.Files).Database(opts.DB), new(outputs.Files).Database(out)); err != nil {
		return err
	}
	if !opts.Force {
		for _, p := range []string{out, out + "-wal"} {
			if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s already exists; use --force to replace it", p)
			}
		}
	}
	corruptFn := corpus.Corrupt
	if opts.Cipher != nil {
		corruptFn = func(ctx context.Context, in, out string, c corpus.Corruption) (*corpus.Damage, error) {
			return corpus.CorruptEncrypted(ctx, in, out, c, opts.Cipher)
		}
	}
	d, err := corruptFn(ctx, opts.DB, out, opts.Corruption)
	if err != nil {
		return err
	}
	rep := corruptReport{Input: opts.DB, Output: out, Damage: d}
	if _, err := os.Stat(out + "-wal"); err == nil {
		rep.OutputWAL = out + "-wal"
	}
	if opts.JSON {
		return writeJSON(stdout, rep)
	}
	return writeCorruptText(stdout, &rep)
}

// defaultCorruptOutput is DB without its extension, then .KIND[-TARGET].db.
func defaultCorruptOutput(db string, c corpus.Corruption) string {
	name := string(c.Kind)
	if c.Target != "" {
		name += "-" + string(c.Target)
	}
	return strings.TrimSuffix(db, filepath.Ext(db)) + "." + name + ".db"
}

func writeCorruptText(w io.Writer, rep *corruptReport) error {
	p := &textPrinter{w: w}
	d := rep.Damage
	p.printf("Wrote %s", rep.Output)
	if rep.OutputWAL != "" {
		p.printf(" and %s", rep.OutputWAL)
	}
	p.printf(" from %s\n", rep.Input)
	kind := string(d.Kind)
	if d.Target != "" {
		kind += " --target " + string(d.Target)
	}
	p.printf("  %s, seed %d: %s\n", kind, d.Seed, d.Summary)
	for _, f := range d.Files {
		p.printf("  %-4s %d bytes -> %d bytes, %d bytes changed in %d ranges\n", f.File, f.OldSize, f.NewSize, f.BytesChanged, len(f.Ranges))
	}
	pages := make([]uint32, len(d.Pages))
	for i, pg := range d.Pages {
		pages[i] = pg.Pgno
	}
	p.printf("  pages a reader now sees differently: %d [%s]\n", len(pages), listedPages.Format(pages))
	return p.err
}

func listKinds(w io.Writer, asJSON bool) error {
	kinds := corpus.Kinds()
	if asJSON {
		return writeJSON(w, kinds)
	}
	p := &textPrinter{w: w}
	tw := p.table()
	fmt.Fprintf(tw, "KIND\tOPTIONS\tWHAT IT DOES\n")
	for _, k := range kinds {
		var opts []string
		if len(k.Targets) > 0 {
			t := make([]string, len(k.Targets))
			for i, tg := range k.Targets {
				t[i] = string(tg)
			}
			opts = append(opts, "--target "+strings.Join(t, "|"))
		}
		for _, o := range k.Options {
			if o != "target" {
				opts = append(opts, "--"+o)
			}
		}
		if k.NeedsWAL {
			opts = append(opts, "needs a WAL")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.Kind, strings.Join(opts, ", "), k.Summary)
	}
	p.flush(tw)
	return p.err
}
