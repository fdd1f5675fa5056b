package pagemap_test

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
)

// mapCell is one cell (or run) of a map as the HTML gives it.
type mapCell struct {
	first, last uint64
	key         string // data-k
	outcome     string // data-o, "" when absent
	bad         bool   // class="bad"
	title       string
	fills       []string // the fill of each rect: the cell's, then its outcome strip's
}

// legendEntry is one entry of a map's legend.
type legendEntry struct {
	class, tree, fill string
}

// parsedMap is a map read back with encoding/xml: the document is
// well-formed XML as well as HTML, so no HTML parser is needed.
type parsedMap struct {
	cells    []mapCell
	legend   map[string]legendEntry // by data-k
	outcomes map[string]string      // data-o → the strip's fill ("none" for no strip)
	badMark  bool                   // the legend explains the damage outline
	text     string                 // the whole document
}

func attrs(se xml.StartElement) map[string]string {
	m := map[string]string{}
	for _, a := range se.Attr {
		m[a.Name.Local] = a.Value
	}
	return m
}

// parseMap reads a rendered map, failing the test when it is not
// well-formed.
func parseMap(t *testing.T, doc string) *parsedMap {
	t.Helper()
	pm := &parsedMap{legend: map[string]legendEntry{}, outcomes: map[string]string{}, text: doc}
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	var cell *mapCell
	var li map[string]string
	inTitle := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the map is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			a := attrs(tok)
			switch {
			case tok.Name.Local == "g" && a["data-p"] != "":
				first, last, ok := strings.Cut(a["data-p"], "-")
				f, err1 := strconv.ParseUint(first, 10, 64)
				l, err2 := strconv.ParseUint(last, 10, 64)
				if !ok || err1 != nil || err2 != nil {
					t.Fatalf("data-p %q", a["data-p"])
				}
				cell = &mapCell{first: f, last: l, key: a["data-k"], outcome: a["data-o"], bad: a["class"] == "bad"}
			case tok.Name.Local == "title" && cell != nil:
				inTitle = true
			case tok.Name.Local == "rect" && cell != nil:
				cell.fills = append(cell.fills, a["fill"])
			case tok.Name.Local == "li":
				li = a
				if a["data-mark"] == "bad" {
					pm.badMark = true
				}
			case tok.Name.Local == "rect" && li != nil:
				if k := li["data-k"]; k != "" {
					pm.legend[k] = legendEntry{class: li["data-class"], tree: li["data-tree"], fill: a["fill"]}
				}
				if o := li["data-o"]; o != "" {
					pm.outcomes[o] = a["fill"]
				}
			}
		case xml.CharData:
			if inTitle {
				cell.title += string(tok)
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "title":
				inTitle = false
			case "g":
				if cell != nil {
					pm.cells = append(pm.cells, *cell)
					cell = nil
				}
			case "li":
				li = nil
			}
		}
	}
	return pm
}
