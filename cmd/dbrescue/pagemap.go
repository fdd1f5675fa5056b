package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/internal/outputs"
	"github.com/dbrescue/dbrescue/pagefile"
	"github.com/dbrescue/dbrescue/pagemap"
	"github.com/dbrescue/dbrescue/recover"
)

// mapFlag is --map FILE.html, for the commands that draw a page map.
func mapFlag(what string) cli.Flag {
	return &cli.StringFlag{Name: "map", Usage: what + " as a page map in `FILE.html`, one self-contained HTML file"}
}

// checkMap refuses, before anything is read, a map that is a file the
// command cmdName reads (whatever --force says) or one that exists
// without --force.
func checkMap(cmdName, path string, force bool, reads *outputs.Files) error {
	if err := outputs.Check(reads, new(outputs.Files).File(path)); err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil && !force {
		return usageErrorf(cmdName, "--map %s exists (use --force to replace it)", path)
	}
	return nil
}

// readsOfInspect is what inspect reads: the database, its WAL and its
// journal.
func readsOfInspect(path string, opts pagefile.Options) *outputs.Files {
	return new(outputs.Files).Database(path).File(opts.JournalPath)
}

// writeMap writes the page map of c to path; outcome, when set, marks
// each page with what a repair made of it.
func writeMap(path string, c *census.Census, title string, outcome func(uint32) pagemap.Outcome) error {
	if err := pagemap.WriteFile(path, c, pagemap.Options{Title: title, Outcome: outcome}); err != nil {
		return fmt.Errorf("writing the page map %s: %w", path, err)
	}
	return nil
}

// mapTitle names a database in its map.
func mapTitle(path string) string { return filepath.Base(path) }

// mapOutcomes marks a repair's page outcomes on the map.
var mapOutcomes = map[recover.PageOutcome]pagemap.Outcome{
	recover.PageNoRows:       pagemap.NoRows,
	recover.PageRecovered:    pagemap.Recovered,
	recover.PageRestored:     pagemap.Restored,
	recover.PageLostAndFound: pagemap.LostAndFound,
	recover.PageLost:         pagemap.Lost,
}

// writeRepairMap draws the damaged input of a repair with every page's
// outcome.
func writeRepairMap(path, input string, m *recover.PageMap) error {
	return writeMap(path, m.Census, mapTitle(input), func(pgno uint32) pagemap.Outcome { return mapOutcomes[m.Outcome(pgno)] })
}

// checkRepairMap checks repair's --map against every file the repair
// reads and the database it writes.
func checkRepairMap(cmd *cli.Command, path, in, out string, opts recover.Options) error {
	reads := new(outputs.Files).Database(in).File(opts.WALPath).File(opts.JournalPath).Backup(cmd.String("backup"))
	for _, m := range opts.MetaPaths {
		reads.Meta(m)
	}
	if err := checkMap(cmd.FullName(), path, cmd.Bool("force"), reads); err != nil {
		return err
	}
	if outputs.Check(new(outputs.Files).Database(out), new(outputs.Files).File(path)) != nil {
		return usageErrorf(cmd.FullName(), "--map %s is the repaired database %s or a file SQLite keeps beside it", path, out)
	}
	return nil
}
