package batch

import (
	"github.com/dbrescue/dbrescue/export"
	"github.com/dbrescue/dbrescue/recover"
)

// Status of a database in a batch: recover's complete and partial, or
// failed (nothing recovered, not a database, a budget overrun, a crash).
const (
	StatusComplete = recover.StatusComplete
	StatusPartial  = recover.StatusPartial
	StatusFailed   = recover.StatusFailed
)

// Budgets a child can overrun, for Result.BudgetExceeded.
const (
	BudgetTime   = "time"
	BudgetMemory = "memory"
)

// Result is one database's outcome. It is an element of the JSON
// document of `dbrescue repair --json` over several databases (and a line
// of --json-lines): fields are only ever added.
type Result struct {
	Job
	Status string `json:"status"`
	// Rows over every table: back in their tables, kept in
	// lost_and_found, known lost; PagesLostUnknownRows counts destroyed
	// pages whose rows nobody can count.
	RowsRecovered        int `json:"rows_recovered"`
	RowsInLostAndFound   int `json:"rows_in_lost_and_found"`
	RowsKnownLost        int `json:"rows_known_lost"`
	PagesLostUnknownRows int `json:"pages_lost_unknown_rows"`
	// ElapsedMS is the wall time of the child, start to end.
	ElapsedMS float64 `json:"elapsed_ms"`
	// PeakRSS is the child's peak resident memory in bytes (0 where the
	// platform does not say).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// BudgetExceeded is BudgetTime or BudgetMemory when the child was
	// stopped for overrunning one.
	BudgetExceeded string `json:"budget_exceeded,omitempty"`
	// Error says why the database failed; Notes what is worth knowing
	// besides the report (a backup beside it that could not be used).
	Error string   `json:"error,omitempty"`
	Notes []string `json:"notes,omitempty"`
	// ExportError says why the export asked for failed (the repair's
	// output is there all the same).
	ExportError string `json:"export_error,omitempty"`
	// Report is the repair's own report, Export the export's.
	Report *recover.Report `json:"report,omitempty"`
	Export *export.Report  `json:"export,omitempty"`
}

// Summary counts a run.
type Summary struct {
	Databases          int     `json:"databases"`
	Complete           int     `json:"complete"`
	Partial            int     `json:"partial"`
	Failed             int     `json:"failed"`
	ExportsFailed      int     `json:"exports_failed"`
	Skipped            int     `json:"skipped"`
	RowsRecovered      int     `json:"rows_recovered"`
	RowsInLostAndFound int     `json:"rows_in_lost_and_found"`
	RowsKnownLost      int     `json:"rows_known_lost"`
	Jobs               int     `json:"jobs"`
	ElapsedMS          float64 `json:"elapsed_ms"`
	DatabasesPerSecond float64 `json:"databases_per_second"`
	TimeBudgetMS       float64 `json:"time_budget_ms"`      // per database; 0: none
	MemoryBudget       int64   `json:"memory_budget_bytes"` // per database; 0: none
}

// Report is a whole run: the JSON document of `dbrescue repair --json`
// over several databases.
type Report struct {
	Databases []*Result `json:"databases"`
	Skipped   []Skipped `json:"skipped,omitempty"`
	Summary   Summary   `json:"summary"`
}

// count adds r to s.
func (s *Summary) count(r *Result) {
	s.Databases++
	switch r.Status {
	case StatusComplete:
		s.Complete++
	case StatusPartial:
		s.Partial++
	default:
		s.Failed++
	}
	if r.ExportError != "" {
		s.ExportsFailed++
	}
	s.RowsRecovered += r.RowsRecovered
	s.RowsInLostAndFound += r.RowsInLostAndFound
	s.RowsKnownLost += r.RowsKnownLost
}

// fromReport takes the counts of a repair's report.
func (r *Result) fromReport(rep *recover.Report) {
	r.Report, r.Status = rep, rep.Status
	r.RowsRecovered, r.RowsInLostAndFound = rep.Totals.Recovered, rep.Totals.InLostAndFound
	r.RowsKnownLost, r.PagesLostUnknownRows = rep.Totals.KnownLost, rep.Totals.PagesLostUnknownRows
}
