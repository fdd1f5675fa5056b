package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/dbrescue/dbrescue/batch"
)

// printBatchSummary writes the table of a batch: a row per database
// (status, rows recovered, in lost_and_found, lost, time, peak memory,
// why it failed), the files skipped, and the totals.
func printBatchSummary(w io.Writer, rep *batch.Report) error {
	p := &textPrinter{w: w}
	p.printf("\nSummary\n")
	tw := p.table()
	fmt.Fprintf(tw, "  STATUS\tDATABASE\tRECOVERED\tLOST_AND_FOUND\tLOST\tTIME\tPEAK MEMORY\tNOTE\n")
	for _, r := range rep.Databases {
		note := r.Error
		if note == "" && r.Report != nil && len(r.Report.Reasons) > 0 {
			note = r.Report.Reasons[0].Text
		}
		if r.ExportError != "" {
			note = strings.TrimSpace(note + "; export failed: " + r.ExportError)
		}
		mem := "-"
		if r.PeakRSS > 0 {
			mem = humanize.IBytes(uint64(r.PeakRSS))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%.1f s\t%s\t%s\n", strings.ToUpper(r.Status), clean(r.Input), r.RowsRecovered,
			r.RowsInLostAndFound, lostText(r), r.ElapsedMS/1000, mem, clean(shorten(note, 100)))
	}
	p.flush(tw)
	s := rep.Summary
	if len(rep.Skipped) > 0 {
		p.printf("  %s skipped, not databases (first: %s, %s)\n", plural(len(rep.Skipped), "file"), clean(rep.Skipped[0].Path), rep.Skipped[0].What)
	}
	p.printf("%s: %d complete, %d partial, %d failed; %d rows recovered, %d in lost_and_found, %d known lost; %.1f s with %s (%.1f databases/s)\n",
		plural(s.Databases, "database"), s.Complete, s.Partial, s.Failed, s.RowsRecovered, s.RowsInLostAndFound, s.RowsKnownLost,
		s.ElapsedMS/1000, plural(s.Jobs, "job"), s.DatabasesPerSecond)
	return p.err
}

// shorten cuts s to n runes.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
