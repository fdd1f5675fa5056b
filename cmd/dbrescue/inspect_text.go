package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/dbrescue/dbrescue/census"
	"github.com/dbrescue/dbrescue/inspect"
	"github.com/dbrescue/dbrescue/internal/pagelist"
)

// maxListedPages bounds page-number lists in text output; JSON has them all.
const maxListedPages = 16

// writeReportText prints the whole-database report for a support engineer:
// sections in the order one reads a damaged file (geometry, header, what
// the pages are, freelist, journal, WAL, trees, damage), every problem
// spelled out.
func writeReportText(w io.Writer, rep *inspect.Report) error {
	p := &textPrinter{w: w}
	g := rep.Geometry
	p.printf("Database %s\n", rep.Path)
	source := "from the header"
	if g.Source == census.FromDetection {
		source = "DETECTED from the pages: the header gives none they agree with"
	}
	if g.Source == census.FromCipher {
		source = "from the cipher's parameters (the file is encrypted; the header read is the decrypted one)"
	}
	p.printf("  %d bytes: %d pages of %d bytes, %d reserved per page (usable %d); page size %s\n",
		rep.FileSize, g.PageCount, g.PageSize, g.ReservedBytes, g.UsableSize, source)
	if g.PartialLastPageBytes > 0 {
		p.printf("  the file ends %d bytes into its last page: truncated; the rest of that page reads as zeros\n", g.PartialLastPageBytes)
	}
	if g.MissingPages > 0 {
		p.printf("  TRUNCATED: %s missing beyond the end of the file: %s\n", plural(int(g.MissingPages), "page"), g.MissingWhy)
	}
	printEncryptionReport(p, rep.Encryption)

	printHeader(p, &rep.Header)
	printPageKinds(p, rep.PageKinds, g)
	printFreelist(p, &rep.Freelist)
	printJournal(p, &rep.Journal)
	printWAL(p, &rep.WAL)
	printBTrees(p, rep)
	printDamage(p, &rep.Damage)
	return p.err
}

func printHeader(p *textPrinter, h *inspect.HeaderReport) {
	from := "main file"
	switch {
	case h.FromWAL:
		from = "WAL copy of page 1"
	case h.FromJournal:
		from = "hot journal's copy of page 1, as before the interrupted transaction"
	}
	p.printf("\nHeader (%s)\n", from)
	tw := p.table()
	// row prints one field; a field whose bytes [from, to) hold a problem
	// is marked with "!", so the eye finds the bad value before reading the
	// list of problems below.
	bad := func(from, to int64) bool {
		for _, pr := range h.Problems {
			if pr.Offset >= from && pr.Offset < to {
				return true
			}
		}
		return false
	}
	row := func(name string, from, to int64, v any) {
		mark := " "
		if bad(from, to) {
			mark = "!"
		}
		fmt.Fprintf(tw, "%s %s\t%v\n", mark, name, v)
	}
	row("magic", 0, 16, fmt.Sprintf("%q", h.Magic))
	row("page size", 16, 18, h.PageSize)
	row("write / read version", 18, 20, fmt.Sprintf("%d / %d", h.WriteVersion, h.ReadVersion))
	row("reserved bytes", 20, 21, h.ReservedBytes)
	row("payload fractions", 21, 24, fmt.Sprintf("max %d, min %d, leaf %d", h.MaxPayloadFraction, h.MinPayloadFraction, h.LeafPayloadFraction))
	row("file change counter", 24, 28, h.FileChangeCounter)
	trusted := "not trusted: version-valid-for differs or size is 0"
	if h.DatabaseSizeTrusted {
		trusted = "trusted"
	}
	row("database size", 28, 32, fmt.Sprintf("%d pages (%s)", h.DatabaseSize, trusted))
	row("freelist", 32, 40, fmt.Sprintf("first trunk %d, %d pages", h.FirstFreelistTrunk, h.FreelistCount))
	row("schema cookie / format", 40, 48, fmt.Sprintf("%d / %d", h.SchemaCookie, h.SchemaFormat))
	row("default cache size", 48, 52, h.DefaultCacheSize)
	row("auto_vacuum", 52, 56, fmt.Sprintf("%s (largest root page %d)", h.AutoVacuum, h.LargestRootPage))
	row("text encoding", 56, 60, fmt.Sprintf("%d (%s)", h.TextEncoding, h.TextEncodingName))
	row("user_version", 60, 64, h.UserVersion)
	row("incremental vacuum", 64, 68, h.IncrementalVacuum)
	row("application_id", 68, 72, fmt.Sprintf("%d (%#08x)", h.ApplicationID, h.ApplicationID))
	expansion := "all zero"
	if bad(72, 92) {
		expansion = "not all zero"
	}
	row("reserved for expansion", 72, 92, expansion)
	row("version-valid-for", 92, 96, h.VersionValidFor)
	row("SQLite version", 96, 100, h.SQLiteVersion)
	p.flush(tw)
	if len(h.Problems) > 0 {
		p.printf("  %s in the header (fields marked !):\n", plural(len(h.Problems), "problem"))
	}
	printProblems(p, "  ", h.Problems, len(h.Problems))
}

func printPageKinds(p *textPrinter, kinds map[string]uint32, g inspect.GeometryReport) {
	p.printf("\nPages by kind (%d pages", g.PageCount)
	if g.MissingPages > 0 {
		p.printf(", and %d missing", g.MissingPages)
	}
	p.printf(")\n")
	tw := p.table()
	listed := map[string]bool{}
	for _, k := range inspect.KindOrder() {
		if n := kinds[k]; n > 0 {
			fmt.Fprintf(tw, "  %s\t%d\n", k, n)
		}
		listed[k] = true
	}
	// Kinds outside KindOrder (should a census class be added) still show.
	var rest []string
	for k := range kinds {
		if !listed[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		fmt.Fprintf(tw, "  %s\t%d\n", k, kinds[k])
	}
	p.flush(tw)
}

func printFreelist(p *textPrinter, fl *inspect.FreelistReport) {
	p.printf("\nFreelist: %s, %s (header: first trunk %d, %s)\n",
		plural(fl.TrunkCount, "trunk page"), plural(fl.LeafCount, "leaf page"), fl.HeaderFirstTrunk, plural(int(fl.HeaderCount), "page"))
	if fl.TrunkCount > 0 {
		p.printf("  trunks: %s\n", listedPages.Format(fl.Trunks))
	}
	if fl.LeafCount > 0 {
		p.printf("  leaves: %s\n", listedPages.Format(fl.Leaves))
	}
	printProblems(p, "  ", fl.Problems, len(fl.Problems))
}

func printJournal(p *textPrinter, j *inspect.JournalReport) {
	switch {
	case !j.Present:
		p.printf("\nRollback journal: none (%s does not exist)\n", j.Path)
		return
	case j.Ignored:
		p.printf("\nRollback journal: %s (%d bytes) is present and ignored (--no-journal): the main file is read as it is\n", j.Path, j.Size)
		return
	case j.Error != "":
		p.printf("\nRollback journal: %s (%d bytes) is present but CANNOT BE ROLLED BACK: %s\n", j.Path, j.Size, j.Error)
		p.printf("  the main file may hold changes of a transaction that never committed\n")
		return
	case !j.Hot:
		p.printf("\nRollback journal: %s (%d bytes) is present but not hot: %s\n", j.Path, j.Size, orNone(j.NotHotReason))
		return
	}
	p.printf("\nRollback journal: %s (%d bytes) is HOT: a write transaction was interrupted; its pages are rolled back in memory (the files are not changed)\n", j.Path, j.Size)
	tw := p.table()
	row := func(name string, v any) { fmt.Fprintf(tw, "  %s\t%v\n", name, v) }
	row("page size / sector size", fmt.Sprintf("%d / %d", j.PageSize, j.SectorSize))
	row("database size before the transaction", fmt.Sprintf("%d pages", j.OriginalSize))
	row("segments", j.Segments)
	row("records rolled back", j.RecordsUsed)
	row("records bad", j.RecordsBad)
	if j.RecordsBeyond > 0 || j.Duplicates > 0 {
		row("records skipped", fmt.Sprintf("%d beyond the original size, %d duplicates", j.RecordsBeyond, j.Duplicates))
	}
	if j.SuperJournal != "" {
		row("super-journal", j.SuperJournal)
	}
	if j.Salvaged != "" {
		row("salvaged", j.Salvaged)
	}
	row("reading stopped", cmp.Or(j.StopReason, "every segment to the end of the file read"))
	p.flush(tw)
	printProblems(p, "  ", j.Problems, len(j.Problems))
}

func printWAL(p *textPrinter, w *inspect.WALReport) {
	switch {
	case !w.Present && w.Missing:
		p.printf("\nWAL: none (%s does not exist), but the header says WAL mode: commits not yet checkpointed into the main file, if there were any, are missing\n", w.Path)
		return
	case !w.Present:
		p.printf("\nWAL: none (%s does not exist)\n", w.Path)
		return
	case !w.Overlaid:
		p.printf("\nWAL: %s (%d bytes) is present but not used: %s\n", w.Path, w.Size, orNone(w.Error))
		return
	}
	p.printf("\nWAL: %s (%d bytes), overlaid on the main file\n", w.Path, w.Size)
	if w.Salvaged != "" {
		p.printf("  SALVAGED: %s\n", w.Salvaged)
	}
	if w.FramesLost > 0 {
		p.printf("  %d frames at the start could not be proven and are not used: pages only they held read from the main file\n", w.FramesLost)
	}
	tw := p.table()
	row := func(name string, v any) { fmt.Fprintf(tw, "  %s\t%v\n", name, v) }
	row("page size", w.PageSize)
	row("checksums", w.ChecksumByteOrder)
	row("checkpoint sequence", w.CheckpointSeq)
	row("salts", fmt.Sprintf("%#08x %#08x", w.Salt1, w.Salt2))
	row("frames verified", w.FramesVerified)
	row("commit frames", w.CommitFrames)
	row("committed frames", w.CommittedFrames)
	row("uncommitted tail frames", w.UncommittedTailFrames)
	row("database size after last commit", fmt.Sprintf("%d pages", w.DatabaseSizeAfterCommit))
	row("pages served from the WAL", w.PagesServedFromWAL)
	row("reading stopped", cmp.Or(w.StopReason, "every frame to the end of the file verified"))
	p.flush(tw)
}

func printBTrees(p *textPrinter, rep *inspect.Report) {
	s := &rep.Schema
	p.printf("\nSchema: %s in sqlite_master\n", plural(s.Rows, "row"))
	if !s.Readable && s.Rows == 0 {
		p.printf("  sqlite_master yielded no rows; see the damage below\n")
	}
	tw := p.table()
	fmt.Fprintf(tw, "  TYPE\tNAME\tTBL_NAME\tROOT\tPAGES\tOVERFLOW\tENTRIES\tERRORS\n")
	for _, b := range rep.BTrees {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n",
			clean(b.Type), clean(b.Name), clean(b.TblName), b.RootPage, b.Pages, b.OverflowPages, b.Entries, b.ErrorCount)
	}
	p.flush(tw)
	// Views, triggers and virtual tables have no b-tree, but a repair must
	// recreate them, so they are listed too.
	for _, o := range s.Objects {
		if o.RootPage != 0 {
			continue
		}
		on := ""
		if o.TblName != o.Name {
			on = " on " + clean(o.TblName)
		}
		p.printf("  %s %s%s (no b-tree)\n", clean(o.Type), clean(o.Name), on)
	}
	for _, o := range s.Objects {
		if o.Error != "" {
			p.printf("  row %d (%s %q): %s\n", o.Rowid, clean(o.Type), o.Name, clean(o.Error))
		}
	}
}

func printDamage(p *textPrinter, d *inspect.DamageReport) {
	if d.Count == 0 {
		p.printf("\nDamage: none found while walking the b-trees\n")
		return
	}
	p.printf("\nDamage: %s found (pages missing, b-tree walks, pages claimed twice)", plural(d.Count, "problem"))
	if d.Count > len(d.First) {
		p.printf(" (first %d shown; --json lists the same)", len(d.First))
	}
	p.printf("\n")
	printProblems(p, "  ", d.First, d.Count)
}

func printProblems(p *textPrinter, indent string, probs []inspect.Problem, total int) {
	if total == 0 {
		p.printf("%sproblems: none\n", indent)
		return
	}
	for _, pr := range probs {
		p.printf("%s- %s\n", indent, clean(pr.Message))
	}
	if total > len(probs) {
		p.printf("%s... and %d more\n", indent, total-len(probs))
	}
}

// Page lists as the text reports write them (see internal/pagelist).
var (
	listedPages = pagelist.Style{Sep: " ", Max: maxListedPages}
	chainPages  = pagelist.Style{Sep: " -> ", Max: maxListedPages}
	rangePages  = pagelist.Style{Sep: " ", Runs: true}
)

// plural renders "1 page", "2 pages".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}
