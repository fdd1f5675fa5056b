package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/pagefile"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "describe a database page by page, without SQLite",
		ArgsUsage: "DB",
		Description: "Opens DB read-only (with DB-wal when present, and a hot DB-journal rolled back in\n" +
			"memory, as SQLite would roll it back) and reports the header, what every page is used\n" +
			"for, the freelist, the journal, the WAL, the b-trees named in sqlite_master and the\n" +
			"damage met while walking them, pages missing beyond the end of a truncated file\n" +
			"included. With --page N it decodes that one page instead. The page size is the\n" +
			"header's when the pages agree with it, else it is detected from the pages (as\n" +
			"repair reads it). With --map FILE.html it also draws every page as a cell of one\n" +
			"self-contained HTML file, coloured by the b-tree that owns it and what it is.\n" +
			"Flags may come before or after DB.\n\n" +
			"Examples:\n" +
			"   dbrescue inspect app.db\n" +
			"   dbrescue inspect app.db --json > report.json\n" +
			"   dbrescue inspect --page 1 app.db\n" +
			"   dbrescue inspect app.db --page 7 --json\n" +
			"   dbrescue inspect app.db --map app-pages.html",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"},
			&cli.Uint32Flag{
				Name:        "page",
				Usage:       "decode page `N` (1 is the first page) instead of summarising the file",
				HideDefault: true,
				Validator: func(n uint32) error {
					if n == 0 {
						return errors.New("pages are numbered from 1")
					}
					return nil
				},
			},
			mapFlag("draw every page of DB"),
			&cli.BoolFlag{Name: "force", Usage: "replace the --map file if it exists"},
		}, append(journalFlags(), cipherFlags()...)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			opts := inspectOptions{JSON: cmd.Bool("json"), Page: cmd.Uint32("page"), Map: cmd.String("map"), Force: cmd.Bool("force")}
			if opts.Page != 0 && opts.Map != "" {
				return usageErrorf(cmd.FullName(), "--map draws the whole file; it cannot be used with --page")
			}
			if opts.Open.JournalPath, opts.Open.NoJournal, err = sidecarChoice(cmd, "journal"); err != nil {
				return err
			}
			if opts.Open.Cipher, err = inputCipher(cmd, args[0]); err != nil {
				return err
			}
			if opts.Map != "" {
				if err := checkMap(cmd.FullName(), opts.Map, opts.Force, readsOfInspect(args[0], opts.Open)); err != nil {
					return err
				}
			}
			err = runInspect(ctx, args[0], opts, cmd.Writer, cmd.ErrWriter)
			var pr *inspect.PageRangeError
			if errors.As(err, &pr) {
				return &UsageError{Command: cmd.FullName(), Err: fmt.Errorf("--page %d: %w", pr.Pgno, err)}
			}
			return err
		},
	}
}

// inspectOptions are the inspect command's flags.
type inspectOptions struct {
	JSON  bool
	Page  uint32           // 0: summarise the whole file
	Map   string           // the page map to write (checked by checkMap), or ""
	Force bool             // replace an existing map
	Open  pagefile.Options // which journal to roll back
}

// runInspect is the inspect command minus the command line. It never
// writes to the database: package inspect opens it read-only, without
// SQLite.
func runInspect(ctx context.Context, path string, opts inspectOptions, stdout, stderr io.Writer) error {
	in, err := inspect.Open(ctx, path, opts.Open)
	if err != nil {
		return err
	}
	defer in.Close()
	noteDetection(stderr, path, in.Geometry)
	if opts.Page != 0 {
		doc, err := in.Page(opts.Page)
		if err != nil {
			return err
		}
		if opts.JSON {
			return writeJSON(stdout, doc)
		}
		return writePageText(stdout, doc)
	}
	rep := in.Report()
	if opts.JSON {
		err = writeJSON(stdout, rep)
	} else {
		err = writeReportText(stdout, rep)
	}
	if err != nil || opts.Map == "" {
		return err
	}
	return writeMap(opts.Map, in.Census, mapTitle(path), nil)
}

// noteDetection says on stderr that the page size was detected: every
// later number depends on that guess, and the support engineer must know
// it was one.
func noteDetection(stderr io.Writer, path string, g census.Geometry) {
	if g.From != census.FromDetection {
		return
	}
	seen := "no detail"
	if d, ok := g.Detection(); ok {
		seen = fmt.Sprintf("%d of %d sampled pages are valid b-tree pages at that size", d.ValidPages, d.Sampled)
	}
	fmt.Fprintf(stderr, "%s: the header gives no page size the pages agree with; detected page size %d, %d reserved bytes per page (%s)\n",
		path, g.PageSize, g.Reserved, seen)
}

// writeJSON writes v as one indented JSON document. HTML escaping is off so
// SQL such as "a < b" stays readable.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
