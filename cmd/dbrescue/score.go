package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/corpus"
	"github.com/dbrescue/dbrescue/pagefile"
)

func scoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "score",
		Usage:     "compare a repaired database with the original, row by row",
		ArgsUsage: "REPAIRED",
		Description: "Reads every row of ORIG's tables with SQLite and looks for each in REPAIRED (opened\n" +
			"read-only). Per table: rows found exactly in the right table (same key, every column\n" +
			"identical, types included), rows found anywhere (lost_and_found tables too), repaired\n" +
			"rows that are altered, invented or duplicated, and, with --damage (the JSON written by\n" +
			"`dbrescue corrupt --json`), the ceiling: rows whose bytes survived the corruption.\n" +
			"The exact rules are in the corpus package's Scorecard documentation.\n\n" +
			"Examples:\n" +
			"   dbrescue score --original app.db repaired.db\n" +
			"   dbrescue corrupt --kind zero-page --json app.db > damage.json\n" +
			"   dbrescue score --original app.db --damage damage.json --json repaired.db",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "original", Usage: "the undamaged database `ORIG`", Required: true},
			&cli.StringFlag{Name: "damage", Usage: "`FILE` holding the JSON `dbrescue corrupt --json` wrote, for the ceiling"},
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
		}, cipherFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "REPAIRED")
			if err != nil {
				return err
			}
			opts := scoreOptions{Original: cmd.String("original"), Damage: cmd.String("damage"), Repaired: args[0], JSON: cmd.Bool("json")}
			if opts.OriginalCipher, opts.RepairedCipher, err = scoreCiphers(cmd, opts.Original, opts.Repaired); err != nil {
				return err
			}
			return runScore(ctx, opts, cmd.Writer)
		},
	}
}

// scoreOptions are the score command's flags and argument.
type scoreOptions struct {
	Original, Damage, Repaired string
	JSON                       bool
	// OriginalCipher and RepairedCipher decrypt an encrypted original and
	// a repair written with --encrypt-output; nil for plain files.
	OriginalCipher, RepairedCipher *pagefile.Cipher
}

// scoreReport is the JSON document score writes.
type scoreReport struct {
	Original string `json:"original"`
	Repaired string `json:"repaired"`
	*corpus.Scorecard
}

func runScore(ctx context.Context, opts scoreOptions, stdout io.Writer) error {
	var damage *corpus.Damage
	if opts.Damage != "" {
		var err error
		if damage, err = readDamage(opts.Damage); err != nil {
			return err
		}
	}
	truth, err := corpus.RecordTruthEncrypted(ctx, opts.Original, opts.OriginalCipher)
	if err != nil {
		return err
	}
	sc, err := corpus.ScoreEncrypted(ctx, truth, opts.Repaired, damage, opts.RepairedCipher)
	if err != nil {
		return err
	}
	rep := scoreReport{Original: opts.Original, Repaired: opts.Repaired, Scorecard: sc}
	if opts.JSON {
		return writeJSON(stdout, rep)
	}
	return writeScoreText(stdout, &rep)
}

// readDamage reads the JSON written by corrupt --json, or a bare Damage.
func readDamage(path string) (*corpus.Damage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc corruptReport
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: not the JSON of dbrescue corrupt: %w", path, err)
	}
	if doc.Damage != nil {
		return doc.Damage, nil
	}
	var d corpus.Damage
	if err := json.Unmarshal(b, &d); err != nil || d.Kind == "" {
		return nil, fmt.Errorf("%s: no damage record in it", path)
	}
	return &d, nil
}

func writeScoreText(w io.Writer, rep *scoreReport) error {
	p := &textPrinter{w: w}
	p.printf("Score of %s against %s\n\n", rep.Repaired, rep.Original)
	tw := p.table()
	ceiling := ""
	if rep.HasCeiling {
		ceiling = "\tCEILING"
	}
	fmt.Fprintf(tw, "TABLE\tORIGINAL\tEXACT\tRECALL\tANYWHERE\tREPAIRED\tALTERED\tINVENTED\tDUPLICATES%s\t\n", ceiling)
	row := func(t corpus.TableScore) {
		if rep.HasCeiling {
			ceiling = fmt.Sprintf("\t%d", t.Ceiling)
		}
		note := ""
		if t.Missing {
			note = "missing"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%d\t%d\t%d\t%d\t%d%s\t%s\n", t.Table, t.Original, t.Exact, 100*t.Recall(),
			t.Anywhere, t.Repaired, t.Altered, t.Invented, t.Duplicates, ceiling, note)
	}
	for _, t := range rep.Tables {
		row(t)
	}
	row(rep.Total)
	p.flush(tw)
	for _, t := range rep.Tables {
		if t.Error != "" {
			p.printf("table %s: reading stopped early: %s\n", t.Table, t.Error)
		}
	}
	if len(rep.Extra) > 0 {
		p.printf("\nTables not in the original\n")
		for _, e := range rep.Extra {
			p.printf("  %s: %d rows, %d of them hold an original row", e.Table, e.Rows, e.Matched)
			if e.Error != "" {
				p.printf(" (reading stopped early: %s)", e.Error)
			}
			p.printf("\n")
		}
	}
	return p.err
}
