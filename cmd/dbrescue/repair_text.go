package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dbrescue/dbrescue/recover"
)

// printRepairReport writes the report for a person, on stdout like every
// other command's report (progress and diagnostics go to stderr): the
// verdict first, then where the pages were read from, a row per table,
// what could not be placed, and every reason the verdict is not complete.
func printRepairReport(w io.Writer, r *recover.Report) error {
	p := &textPrinter{w: w}
	p.printf("Repaired %s -> %s: %s\n", r.Input, r.Output, strings.ToUpper(r.Status))
	switch r.Status {
	case recover.StatusComplete:
		p.printf("  every row found is back in its table; nothing is known to be lost\n")
	case recover.StatusPartial:
		p.printf("  %d rows back in their tables, %d kept in lost_and_found, %d known lost; %d reasons below\n",
			r.Totals.Recovered, r.Totals.InLostAndFound, r.Totals.KnownLost, len(r.Reasons))
	}
	printSources(p, r)
	printTables(p, r)
	for _, l := range r.LostAndFound {
		p.printf("  %s: %s of %s %s b-tree of %s (top page %d) that no table is known to own\n",
			l.Table, entries(l.Rows), article(l.Kind), l.Kind, plural(l.Pages, "page"), l.RootGuess)
	}
	for _, d := range r.Deleted {
		p.printf("  deleted rows of %s: %d brought back into %s (%d from freeblocks, %d from unallocated space, %d from free pages)\n",
			d.Table, d.Rows, d.Into, d.FromFreeblocks, d.FromUnallocated, d.FromFreelist)
	}
	pg := r.Pages
	p.printf("  pages: %d in the file, %d in tables, %d orphaned, %d freelist, %d pointer-map, %d zero, %d unreadable, %d missing beyond the end",
		pg.Total, pg.Walked, pg.Orphaned, pg.Freelist, pg.Ptrmap, pg.Zero, pg.Unreadable, pg.Missing)
	if r.Backup {
		p.printf(", %d restored from the backup", pg.FromBackup)
	}
	p.printf("\n")
	if len(r.Reasons) > 0 {
		p.printf("Why %s:\n", strings.ToUpper(r.Status))
		for _, x := range r.Reasons {
			p.printf("  - %s\n", x.Text)
		}
	}
	if len(r.Warnings) > 0 {
		p.printf("Worth knowing:\n")
		for _, x := range r.Warnings {
			p.printf("  - %s\n", x)
		}
	}
	if len(r.DeviceSteps) > 0 {
		p.printf("Run on the device (its collations are not here):\n")
		for _, x := range r.DeviceSteps {
			p.printf("  %s\n", x)
		}
	}
	if r.DamageCount > 0 {
		p.printf("Damage met: %d problems, first: %s\n", r.DamageCount, r.Damage[0])
	}
	p.printf("integrity_check of the output: %s; %.0f ms, %.1f MB/s\n", r.Integrity, r.ElapsedMS, r.MBPerSecond)
	return p.err
}

// printSources says how the input was read and which insurance was used.
func printSources(p *textPrinter, r *recover.Report) {
	g := r.Geometry
	p.printf("  read with page size %d (reserved %d) %s, text %s %s\n", g.PageSize, g.Reserved, source(g.From), g.Encoding, source(g.EncFrom))
	printEncryption(p, r)
	if r.WAL.Present {
		p.printf("  WAL: %d committed frames overlaid, %d uncommitted ignored", r.WAL.CommittedFrames, r.WAL.UncommittedFrames)
		if r.WAL.Error != "" {
			p.printf("; not usable: %s", r.WAL.Error)
		} else if r.WAL.Stop != "" {
			p.printf("; reading stopped: %s", r.WAL.Stop)
		}
		p.printf("\n")
	}
	for _, m := range r.Metas {
		p.printf("  metadata backup %s (taken %s): %s", m.Path, m.CapturedAt, m.Verdict)
		if m.Verdict == recover.MetaRefused {
			p.printf(": %s\n", m.Why)
			continue
		}
		if m.LeavesSampled > 0 {
			p.printf(", %d of %d leaves compared still in place", m.LeavesInPlace, m.LeavesSampled)
		}
		p.printf(", %d schema objects taken from it\n", m.Objects)
	}
	for _, e := range r.MetaErrors {
		p.printf("  metadata backup not readable: %s\n", e)
	}
}

// printTables writes a row per table: rows recovered and where from, rows
// known lost and how it is known, truncated, damaged and set-aside rows.
func printTables(p *textPrinter, r *recover.Report) {
	if len(r.Tables) == 0 {
		return
	}
	tw := p.table()
	fmt.Fprintf(tw, "  TABLE\tRECOVERED\tKNOWN LOST\tTRUNCATED\tDAMAGED\tTO LOST_AND_FOUND\tSCHEMA\tFROM\n")
	for _, t := range r.Tables {
		lost := fmt.Sprint(t.RowsKnownLost)
		if t.LossUnknown {
			lost += "+?"
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n", t.Name, t.RowsWritten, lost, t.Truncated, t.Damaged, t.ToLostAndFound+t.Rejected, t.SchemaFrom, provenance(t))
	}
	tt := r.Totals
	fmt.Fprintf(tw, "  total\t%d\t%d\t%d\t%d\t%d\t\t\n", tt.Recovered, tt.KnownLost, tt.Truncated, tt.Damaged, tt.InLostAndFound)
	p.flush(tw)
}

// provenance summarises the evidence that put a table's rows there.
func provenance(t *recover.TableReport) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{t.FromWalk, "walked"}, {t.FromCRC, "CRC-verified"}, {t.FromMetaList, "meta page list"},
		{t.FromPtrmap, "pointer map"}, {t.FromShape, "record shape"}, {t.FromBackup, "backup"},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// source says where a geometry or encoding came from, for a sentence.
func source(from string) string {
	switch from {
	case "header":
		return "from the header"
	case "meta":
		return "from the metadata backup"
	case "detected":
		return "detected from the pages"
	case "cipher":
		return "from the cipher's parameters"
	}
	return "from " + from
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// entries renders "1 entry", "2 entries".
func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
