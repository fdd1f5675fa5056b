package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dbrescue/dbrescue/corpus"
)

// verdicts audits one method's verdicts against the ground truth: a run
// that says "complete" must have every row back, exact, in its table; no
// run may invent a row (a key the original never had), and none may drop
// a row whose bytes survived.
type verdicts struct {
	runs, complete, partial, failed int
	// completeMissing counts runs that said complete while rows were
	// missing from their tables or altered.
	completeMissing          int
	invented, altered, drops int
	// cases names the first runs that broke a rule.
	cases []string
}

// add records one run: its status (empty for methods without one) and
// score (nil when the method produced nothing).
func (v *verdicts) add(name, status string, sc *corpus.Scorecard) {
	v.runs++
	switch status {
	case "complete":
		v.complete++
	case "partial":
		v.partial++
	default:
		v.failed++
	}
	if sc == nil {
		return
	}
	tot := sc.Total
	v.invented += tot.Invented
	v.altered += tot.Altered
	v.drops += tot.Dropped
	bad := tot.Invented > 0 || tot.Dropped > 0
	if status == "complete" && (tot.Exact < tot.Original || tot.Altered > 0) {
		v.completeMissing++
		bad = true
	}
	if bad && len(v.cases) < 40 {
		v.cases = append(v.cases, fmt.Sprintf("%s (%s: %d/%d exact, %d invented, %d altered, %d dropped)", name, status, tot.Exact, tot.Original, tot.Invented, tot.Altered, tot.Dropped))
	}
}

// printAudit writes the audit of the methods that give a verdict.
func printAudit(w io.Writer, audit map[string]*verdicts, methods []method) {
	fmt.Fprintf(w, "\nVerdict audit (dbrescue's status against the ground truth; invented = rows in a table under a key the original never had, altered = a key's values differ, dropped = rows whose bytes survived but are found nowhere).\n\n")
	fmt.Fprintln(w, "| method | runs | complete | partial | failed | complete while rows missing | invented | altered | dropped |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	var notes []string
	for _, m := range methods {
		v := audit[m.name]
		if v == nil || !strings.HasPrefix(m.name, "dbrescue") {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", m.name, v.runs, v.complete, v.partial, v.failed, v.completeMissing, v.invented, v.altered, v.drops)
		for _, c := range v.cases {
			notes = append(notes, m.name+": "+c)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\nRuns that broke a rule:\n")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}
