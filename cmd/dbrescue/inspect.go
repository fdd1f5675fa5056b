package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/btree"
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
			"damage met while walking them. With --page N it decodes that one page instead.\n" +
			"When the header gives no usable page size, the size is detected from the pages.\n" +
			"Flags may come before or after DB.\n\n" +
			"Examples:\n" +
			"   dbrescue inspect app.db\n" +
			"   dbrescue inspect app.db --json > report.json\n" +
			"   dbrescue inspect --page 1 app.db\n" +
			"   dbrescue inspect app.db --page 7 --json",
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
		}, append(journalFlags(), cipherFlags()...)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args, err := positionalArgs(cmd, "DB")
			if err != nil {
				return err
			}
			opts := inspectOptions{JSON: cmd.Bool("json"), Page: cmd.Uint32("page")}
			if opts.Open.JournalPath, opts.Open.NoJournal, err = sidecarChoice(cmd, "journal"); err != nil {
				return err
			}
			if opts.Open.Cipher, err = inputCipher(cmd, args[0]); err != nil {
				return err
			}
			err = runInspect(ctx, args[0], opts, cmd.Writer, cmd.ErrWriter)
			var pr *pageRangeError
			if errors.As(err, &pr) {
				return &UsageError{Command: cmd.FullName(), Err: err}
			}
			return err
		},
	}
}

// inspectOptions are the inspect command's flags.
type inspectOptions struct {
	JSON bool
	Page uint32           // 0: summarise the whole file
	Open pagefile.Options // which journal to roll back
}

// pageRangeError is a --page beyond the end of the database: a bad flag
// value, but one that can only be checked once the file is open.
type pageRangeError struct {
	Pgno, Count uint32
}

func (e *pageRangeError) Error() string {
	return fmt.Sprintf("--page %d: the database has %d pages", e.Pgno, e.Count)
}

// runInspect is the inspect command minus the command line; demo runs it
// too. It never writes to the database: the file is opened read-only and
// SQLite is not involved.
func runInspect(ctx context.Context, path string, opts inspectOptions, stdout, stderr io.Writer) error {
	db, err := openDB(path, opts.Open, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if opts.Page > db.PageCount() {
		return &pageRangeError{Pgno: opts.Page, Count: db.PageCount()}
	}
	in, err := collect(ctx, db)
	if err != nil {
		return err
	}
	reportDecryption(stderr, path, db.File)
	if opts.Page != 0 {
		doc := buildPageDocument(in, opts.Page)
		if opts.JSON {
			return writeJSON(stdout, doc)
		}
		return writePageText(stdout, doc)
	}
	rep := buildReport(in)
	if opts.JSON {
		return writeJSON(stdout, rep)
	}
	return writeReportText(stdout, rep)
}

// inspection is everything inspect learns about an opened database, before
// it is shaped into a report.
type inspection struct {
	db        *openedDB
	r         *btree.Reader
	schema    []btree.SchemaRow
	trees     []treeWalk // trees[0] is sqlite_master
	freelist  *pagefile.Freelist
	pages     []pageClass // pages[pgno-1]
	conflicts []error     // pages claimed twice
}

// collect walks the schema and every tree, enumerates the freelist and
// classifies every page.
func collect(ctx context.Context, db *openedDB) (*inspection, error) {
	in := &inspection{db: db, r: btree.ReaderFor(db.File)}
	var err error
	if in.schema, in.trees, err = walkTrees(ctx, in.r); err != nil {
		return nil, err
	}
	in.freelist = db.Freelist()
	if in.pages, in.conflicts, err = classifyPages(ctx, db.File, in.trees, in.freelist); err != nil {
		return nil, err
	}
	return in, nil
}

// writeJSON writes v as one indented JSON document. HTML escaping is off so
// SQL such as "a < b" stays readable.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
