package recover

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbrescue/dbrescue/pagefile"
)

// createLater creates indexes, views and triggers once the rows are in, so
// no trigger fires during the load and each index is built once.
func (r *repairer) createLater(ctx context.Context) {
	for _, o := range r.plan.later {
		if err := r.out.create(ctx, o.SQL); err != nil {
			r.rep.NotCreated = append(r.rep.NotCreated, fmt.Sprintf("%s %q: %v", o.Type, o.Name, err))
		}
	}
}

// restoreCounters puts back the AUTOINCREMENT counters (never below what
// was recorded, so ids are not reused), user_version and application_id.
func (r *repairer) restoreCounters(ctx context.Context) {
	for name, seq := range r.plan.seqs {
		if t := r.plan.byName[strings.ToLower(name)]; t == nil || t.info.Name == "" {
			continue
		}
		_ = r.out.trustedExec(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?`, seq, name, seq)
		_ = r.out.trustedExec(ctx, `INSERT INTO sqlite_sequence(name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)`, name, seq, name)
	}
	uv, app := uint32(0), uint32(0)
	if h := r.f.Header; h != nil && h.Magic == pagefile.Magic {
		uv, app = h.UserVersion, h.ApplicationID
	} else if r.meta != nil {
		uv, app = r.meta.Header.UserVersion, r.meta.Header.ApplicationID
	}
	_ = r.out.trustedExec(ctx, fmt.Sprintf("PRAGMA user_version = %d", int32(uv)))
	_ = r.out.trustedExec(ctx, fmt.Sprintf("PRAGMA application_id = %d", int32(app)))
}

// integrityCheck runs PRAGMA integrity_check on the output.
func integrityCheck(ctx context.Context, o *output) string {
	o.trusted.Store(true)
	defer o.trusted.Store(false)
	rows, err := o.conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var lines []string
	for rows.Next() && len(lines) < 10 {
		var s string
		if rows.Scan(&s) == nil {
			lines = append(lines, s)
		}
	}
	return strings.Join(lines, "; ")
}

// summarise fills the report's tables, score and status.
func (r *repairer) summarise() {
	rows := 0
	lossless := r.rep.DamageCount == 0 && len(r.rep.RejectedSQL) == 0 && r.rep.Geometry.From == GeometryFromHeader
	for _, t := range r.plan.tables {
		if t.tree != nil {
			t.rep.LeavesExpected = len(t.tree.Leaves)
		}
		r.rep.Tables = append(r.rep.Tables, t.rep)
		rows += t.rep.RowsWritten
		lossless = lossless && t.rep.Truncated == 0 && t.rep.Rejected == 0
	}
	for _, lt := range r.lostOrder {
		r.rep.LostAndFound = append(r.rep.LostAndFound, *lt.rep)
		rows += lt.rep.Rows
	}
	pr := &r.rep.Pages
	if r.meta != nil && r.meta.Header.PageCount > pr.Total {
		pr.Missing = r.meta.Header.PageCount - pr.Total
	} else if h := r.f.FileHeader; h != nil && h.DatabaseSizeTrusted() && r.f.WAL == nil && h.DatabaseSize > pr.Total {
		pr.Missing = h.DatabaseSize - pr.Total
	}
	lost := pr.Zero + pr.Unreadable + pr.Missing - min(pr.FromBackup, pr.Zero+pr.Unreadable+pr.Missing)
	r.rep.Score = Score{RowPagesRecovered: pr.Walked + pr.Orphaned + pr.FromBackup, RowPagesLost: lost}
	if total := r.rep.Score.RowPagesRecovered + lost; total > 0 {
		r.rep.Score.Percent = 100 * float64(r.rep.Score.RowPagesRecovered) / float64(total)
	}
	lossless = lossless && pr.Zero+pr.Unreadable+pr.Missing == 0 && pr.Orphaned == 0 && len(r.lostOrder) == 0 && len(r.rep.NotCreated) == 0
	switch {
	case rows == 0 && (len(r.plan.tables) > 0 || pr.Total > 1):
		r.rep.Status = StatusFailed
	case lossless:
		r.rep.Status = StatusComplete
	default:
		r.rep.Status = StatusPartial
	}
}
