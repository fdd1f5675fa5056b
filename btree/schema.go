package btree

import "fmt"

// SchemaRow is one row of sqlite_master as stored on disk: type, name,
// tbl_name, rootpage and sql. Views and triggers have RootPage 0. Err is
// set when the record did not have the expected shape; the fields then hold
// what could be read.
type SchemaRow struct {
	Rowid    int64
	Type     string
	Name     string
	TblName  string
	RootPage int64
	SQL      string
	Pgno     uint32 // page the row was read from
	Err      error  `json:",omitempty"`
}

// SchemaRoot is the root page of sqlite_master.
const SchemaRoot = 1

// ReadSchema walks sqlite_master from page 1 and returns its rows in rowid
// order, with the walk's report. Rows that do not decode are returned with
// Err set and also listed in the report's errors.
func (r *Reader) ReadSchema() ([]SchemaRow, *WalkResult, error) {
	var rows []SchemaRow
	res, err := r.Walk(SchemaRoot, func(e *Entry) error {
		row := SchemaRow{Rowid: e.Rowid, Pgno: e.Pgno}
		vals, derr := r.Record(e.Payload)
		if derr == nil && len(vals) < 5 {
			derr = corrupt(e.Pgno, 0, ErrBadValue, "sqlite_master row %d has %d columns, not 5", e.Rowid, len(vals))
		}
		vals = append(vals, make([]any, 5)...)
		row.Type, row.Name, row.TblName, row.SQL = text(vals[0]), text(vals[1]), text(vals[2]), text(vals[4])
		if n, ok := vals[3].(int64); ok {
			row.RootPage = n
		} else if vals[3] != nil && derr == nil {
			derr = corrupt(e.Pgno, 0, ErrBadValue, "sqlite_master row %d rootpage is %T, not an integer", e.Rowid, vals[3])
		}
		row.Err = derr
		rows = append(rows, row)
		return nil
	})
	for _, row := range rows {
		if row.Err != nil {
			res.Errors = append(res.Errors, row.Err)
		}
	}
	return rows, res, err
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}
