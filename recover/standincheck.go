package recover

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dbrescue/dbrescue/btree"
	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// leaveOutStandIn reports whether an index to be created is ordered by a
// stand-in collation and cannot be reproduced: its b-tree in the damaged
// file is gone or damaged, so there is no order of the phone's to follow.
// Such an index is not created; the report says how to create it on the
// device.
func (r *repairer) leaveOutStandIn(o object) bool {
	for _, x := range r.plan.described {
		if strings.EqualFold(x.Name, o.Name) && r.usesStandIn(x) && !r.standInClean[strings.ToLower(o.Name)] {
			r.deviceStep(o, "its b-tree in the damaged file is damaged or gone")
			return true
		}
	}
	return false
}

// standInCheck compares every b-tree the output orders by a stand-in
// collation with the damaged file's: the output is right for the phone
// when each of its entries is one of the original's, in the original's
// order (rows that were lost leave gaps, nothing more). An index that is
// not is dropped and its CREATE given as a step on the device; the index
// of a UNIQUE or PRIMARY KEY constraint cannot be dropped, so the step is
// REINDEX; a WITHOUT ROWID table is what it is, and the report says so.
func (r *repairer) standInCheck(ctx context.Context, output string) error {
	trees := r.standInTrees()
	if len(trees) == 0 {
		return nil
	}
	out, ord, outRoot, err := r.outputTrees(output)
	if err != nil {
		return err
	}
	var drop []object
	for _, st := range trees {
		root, ok := outRoot[strings.ToLower(st.name)]
		if !ok {
			continue // not in the output (left out, or its table refused)
		}
		if r.sameOrder(ord, root, st) {
			continue
		}
		o := object{Type: "index", Name: st.name, TblName: st.x.Table}
		for _, l := range r.plan.later {
			if strings.EqualFold(l.Name, st.name) {
				o = l
			}
		}
		t := r.plan.byName[strings.ToLower(st.x.Table)]
		switch {
		case st.x.Origin == "c":
			drop = append(drop, o)
			r.deviceStep(o, "its order on the phone's collation could not be reproduced")
		case t != nil && t.info.WithoutRowid && st.x.Origin == "pk":
			r.rep.DeviceSteps = append(r.rep.DeviceSteps, fmt.Sprintf(
				"table %q is keyed on a collation only the phone has (%s) and its rows could not be put in the phone's order: on the device, copy its rows into a new table of the same definition", t.Name, standInNames(r, st)))
			r.rep.NotCreated = append(r.rep.NotCreated, fmt.Sprintf("table %q: key order on %s not reproduced", t.Name, standInNames(r, st)))
		default:
			r.rep.DeviceSteps = append(r.rep.DeviceSteps, fmt.Sprintf("REINDEX %s; -- %s orders it by %s, only the phone has that collation", sqlident.Quote(st.x.Table), st.name, standInNames(r, st)))
			r.rep.NotCreated = append(r.rep.NotCreated, fmt.Sprintf("index %q: order on %s not reproduced, REINDEX on the device", st.name, standInNames(r, st)))
		}
	}
	out.Close()
	for _, o := range drop {
		if err := r.out.trustedExec(ctx, "DROP INDEX "+sqlident.Quote(o.Name)); err != nil {
			return err
		}
	}
	return nil
}

// sameOrder reports whether every entry of the output's b-tree at root is
// one of the damaged file's tree, in the same order.
func (r *repairer) sameOrder(ord *btree.Reader, root uint32, st standInTree) bool {
	if !r.standInClean[strings.ToLower(st.name)] {
		return false
	}
	pos := map[uint64]int{}
	if _, err := r.cen.Walk(st.ct.Index, btree.WalkOptions{OnEntry: func(e *btree.Entry) error {
		if vals, err := r.rd.Record(e.Payload); err == nil {
			pos[hashValues(vals)] = len(pos)
		}
		return nil
	}}); err != nil {
		return false
	}
	last, good := -1, true
	res, err := ord.Walk(root, func(e *btree.Entry) error {
		vals, err := ord.Record(e.Payload)
		if err != nil {
			good = false
			return nil
		}
		i, found := pos[hashValues(vals)]
		if !found || i <= last {
			good = false
		}
		last = i
		return nil
	})
	return good && err == nil && len(res.Errors) == 0
}

// deviceStep records an index left out of the output and the statement
// that creates it on the device, where its collation is.
func (r *repairer) deviceStep(o object, why string) {
	r.rep.NotCreated = append(r.rep.NotCreated, fmt.Sprintf("index %q: on a collation only the phone has; %s; create it on the device", o.Name, why))
	if o.SQL != "" {
		r.rep.DeviceSteps = append(r.rep.DeviceSteps, o.SQL+";")
	}
}

// standInNames lists the stand-in collations a tree's columns use.
func standInNames(r *repairer, st standInTree) string {
	var names []string
	for _, c := range st.x.Columns {
		if si := r.standIns.lookup(c.Coll); si != nil && !slices.Contains(names, si.name) {
			names = append(names, si.name)
		}
	}
	return strings.Join(names, ", ")
}
