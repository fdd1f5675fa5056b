package pagemap

// Outcome is what a repair made of a page, as the map marks it. The
// constants are ordered by how bad they are: a cell covering several
// pages carries the worst.
type Outcome uint8

// Outcomes.
const (
	NoRows       Outcome = iota // held no rows: a freelist, pointer-map or lock-byte page
	Recovered                   // what it held is in the new database
	Restored                    // its content is gone from the file, its rows came from a page-level backup
	LostAndFound                // some of its rows are kept in a lost_and_found table
	Lost                        // its content is gone, and with it whatever rows it held
)

// outcomeStyles names each outcome (data-o in the HTML), colours its
// strip (none for NoRows) and says what it means in the legend.
var outcomeStyles = [...]struct{ name, fill, meaning string }{
	NoRows:       {"none", "", "no strip: the page holds no rows (free, pointer-map or lock-byte page)"},
	Recovered:    {"recovered", "#2e7d32", "recovered: what it held is in the new database (rows in their table, the schema, or index entries the new indexes rebuild)"},
	Restored:     {"restored", "#1565c0", "restored: its content is gone from the file; its rows came from the page-level backup"},
	LostAndFound: {"lost-and-found", "#ef8f00", "kept: some of its rows are in a lost_and_found table, their table unknown"},
	Lost:         {"lost", "#c62828", "lost: its content is gone, and with it whatever rows it held"},
}

func (o Outcome) String() string {
	if int(o) < len(outcomeStyles) {
		return outcomeStyles[o].name
	}
	return "invalid"
}
