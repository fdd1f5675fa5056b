package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// textPrinter writes formatted text and keeps the first write error, so
// printing code is not a ladder of error checks.
type textPrinter struct {
	w   io.Writer
	err error
}

func (p *textPrinter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// table returns a tabwriter for aligned columns; end it with flush.
func (p *textPrinter) table() *tabwriter.Writer {
	return tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
}

func (p *textPrinter) flush(tw *tabwriter.Writer) {
	if err := tw.Flush(); err != nil && p.err == nil {
		p.err = err
	}
}
