package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dbrescue/dbrescue/master"
	"github.com/dbrescue/dbrescue/pagefile"
)

// printMeta writes every field of a metadata backup for a person. Page
// lists are shown as ranges, leaf cell counts as their range and sum, and
// CRCs only counted: their values are in --json.
func printMeta(w io.Writer, path string, m *master.Meta) error {
	p := &textPrinter{w: w}
	h := m.Header
	p.printf("Metadata backup %s\n", path)
	p.printf("  captured %s from %s (SQLite %s)\n", formatNanos(m.CapturedAt), m.Source, m.SQLiteVersion)
	if m.SchemaOnly {
		p.printf("  schema only: no page lists\n")
	} else {
		p.printf("  page lists read from %s\n", m.PagesReadFrom)
		if !m.Counts {
			p.printf("  no entry counts or overflow CRCs (a version-1 backup): a repair cannot count the rows it lost\n")
		}
	}
	p.printf("\nHeader\n")
	tw := p.table()
	for _, f := range [][2]any{
		{"page size", h.PageSize}, {"reserved bytes", h.ReservedBytes},
		{"text encoding", fmt.Sprintf("%d (%s)", h.TextEncoding, pagefile.EncodingName(h.TextEncoding))},
		{"auto_vacuum", fmt.Sprintf("%d (%s)", h.AutoVacuum, []string{"none", "full", "incremental"}[min(h.AutoVacuum, 2)])},
		{"user_version", h.UserVersion}, {"application_id", fmt.Sprintf("%d (%#x)", h.ApplicationID, h.ApplicationID)},
		{"schema cookie", h.SchemaCookie}, {"file change counter", h.FileChangeCounter},
		{"page count", h.PageCount}, {"freelist pages", h.FreelistCount}, {"journal mode", h.JournalMode},
	} {
		fmt.Fprintf(tw, "  %s\t%v\n", f[0], f[1])
	}
	p.flush(tw)
	fp := m.Fingerprint
	p.printf("\nFingerprint (for the unchanged check)\n")
	p.printf("  database: %d bytes, modified %s\n", fp.DBSize, formatNanos(fp.DBModNano))
	if fp.WALSize > 0 {
		p.printf("  WAL: %d bytes, modified %s, header %x\n", fp.WALSize, formatNanos(fp.WALModNano), fp.WALHeader)
	} else {
		p.printf("  WAL: none\n")
	}

	p.printf("\nsqlite_master (%d rows)\n", len(m.Schema))
	for _, r := range m.Schema {
		p.printf("  %s %q on %q, root page %d\n", r.Type, r.Name, r.TblName, r.RootPage)
		if r.SQL != "" {
			p.printf("      %s\n", strings.ReplaceAll(r.SQL, "\n", "\n      "))
		}
	}
	if len(m.Sequences) > 0 {
		p.printf("\nsqlite_sequence\n")
		for _, s := range m.Sequences {
			p.printf("  %q = %d\n", s.Name, s.Seq)
		}
	}
	for _, t := range m.Tables {
		printTable(p, t)
	}
	for _, ix := range m.Indexes {
		p.printf("\nIndex %q on %q (origin %s, unique %v, partial %v)\n", ix.Name, ix.Table, ix.Origin, ix.Unique, ix.Partial)
		for _, c := range ix.Columns {
			name := c.Name
			switch c.Cid {
			case -1:
				name = "(rowid)"
			case -2:
				name = "(expression)"
			}
			p.printf("  %-20s cid %-3d %s%s key=%v\n", name, c.Cid, c.Coll, map[bool]string{true: " DESC", false: ""}[c.Desc], c.Key)
		}
	}
	if len(m.Trees) > 0 {
		p.printf("\nB-trees (%d)\n", len(m.Trees))
		for _, t := range m.Trees {
			printTree(p, t, m.Counts)
		}
	}
	return p.err
}

// printTree writes a tree's page lists and, when the backup has them, its
// entry count, the range of its leaves' cell counts and how many overflow
// CRCs it holds.
func printTree(p *textPrinter, t master.Tree, counts bool) {
	entries := "entries unknown"
	if counts {
		entries = fmt.Sprintf("%d entries", t.Entries)
	}
	p.printf("  %s %q, root %d: %d interior, %d leaf, %d overflow pages; %s\n", t.Kind, t.Name, t.Root, len(t.Interior), len(t.Leaves), len(t.Overflow), entries)
	if len(t.Interior) > 0 {
		p.printf("      %-8s %s\n", "interior", rangePages.Format(t.Interior))
	}
	if len(t.Leaves) > 0 {
		leaves := make([]uint32, len(t.Leaves))
		for i, l := range t.Leaves {
			leaves[i] = l.Pgno
		}
		p.printf("      %-8s %s\n", "leaves", rangePages.Format(leaves))
		if counts {
			p.printf("      %-8s %s\n", "cells", cellRange(t.Leaves))
		}
	}
	if len(t.Overflow) > 0 {
		crcs := ""
		if counts {
			crcs = fmt.Sprintf(" (%d CRCs)", len(t.OverflowCRCs))
		}
		p.printf("      %-8s %s%s\n", "overflow", rangePages.Format(t.Overflow), crcs)
	}
}

// cellRange summarises the leaves' cell counts: "2-16 per leaf, 200 in all".
func cellRange(leaves []master.Leaf) string {
	lo, hi, sum := leaves[0].Cells, leaves[0].Cells, 0
	for _, l := range leaves {
		lo, hi, sum = min(lo, l.Cells), max(hi, l.Cells), sum+l.Cells
	}
	if lo == hi {
		return fmt.Sprintf("%d per leaf, %d in all", lo, sum)
	}
	return fmt.Sprintf("%d-%d per leaf, %d in all", lo, hi, sum)
}

func printTable(p *textPrinter, t master.Table) {
	kind := "rowid table"
	if t.WithoutRowid {
		kind = "WITHOUT ROWID table"
	}
	if t.Strict {
		kind += ", STRICT"
	}
	p.printf("\nTable %q (%s)", t.Name, kind)
	if t.RowidAlias >= 0 {
		p.printf(", INTEGER PRIMARY KEY %q is the rowid", t.Columns[t.RowidAlias].Name)
	}
	p.printf("\n")
	tw := p.table()
	fmt.Fprintf(tw, "  COLUMN\tDECLARED\tAFFINITY\tNOT NULL\tDEFAULT\tPK\tHIDDEN\n")
	for _, c := range t.Columns {
		dflt := ""
		if c.HasDefault {
			dflt = c.Default
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\t%s\t%d\t%d\n", c.Name, c.DeclType, c.Affinity, c.NotNull, dflt, c.PK, c.Hidden)
	}
	p.flush(tw)
	names := make([]string, len(t.RecordOrder))
	for i, c := range t.RecordOrder {
		names[i] = t.Columns[c].Name
	}
	p.printf("  record order: %s\n", strings.Join(names, ", "))
}

func formatNanos(ns int64) string {
	if ns == 0 {
		return "(unknown)"
	}
	return time.Unix(0, ns).UTC().Format(time.RFC3339)
}
