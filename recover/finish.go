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
	for i, o := range r.plan.later {
		r.phase(PhaseIndexes, i, len(r.plan.later))
		if o.Type == "index" && r.leaveOutStandIn(o) {
			continue
		}
		if r.bulk != nil && r.bulk.created[strings.ToLower(o.Name)] {
			continue // created for the builder, which filled it
		}
		if err := r.out.create(ctx, o.SQL); err != nil {
			r.rep.NotCreated = append(r.rep.NotCreated, fmt.Sprintf("%s %q: %v", o.Type, o.Name, err))
		}
	}
	r.phase(PhaseIndexes, len(r.plan.later), len(r.plan.later))
}

// restoreCounters puts back the AUTOINCREMENT counters (never below what
// was recorded, so ids are not reused), user_version and application_id.
func (r *repairer) restoreCounters(ctx context.Context) {
	for name, seq := range r.plan.seqs {
		if t := r.plan.byName[strings.ToLower(name)]; t == nil || !t.created {
			continue
		}
		r.out.raiseSequence(ctx, name, seq)
	}
	uv, app := uint32(0), uint32(0)
	if h := r.f.Header; h != nil && h.Magic == pagefile.Magic {
		uv, app = h.UserVersion, h.ApplicationID
	} else if len(r.metas) > 0 {
		uv, app = r.metas[0].m.Header.UserVersion, r.metas[0].m.Header.ApplicationID
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
