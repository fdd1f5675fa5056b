package master

import "strings"

// AffinityOf applies SQLite's rules for the affinity of a declared type
// (https://sqlite.org/datatype3.html, section 3.1), in their order:
// INT → INTEGER; CHAR, CLOB or TEXT → TEXT; BLOB or no type → BLOB;
// REAL, FLOA or DOUB → REAL; anything else → NUMERIC.
func AffinityOf(declType string) Affinity {
	t := strings.ToUpper(declType)
	switch {
	case strings.Contains(t, "INT"):
		return AffinityInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return AffinityText
	case strings.Contains(t, "BLOB"), strings.TrimSpace(t) == "":
		return AffinityBlob
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return AffinityReal
	}
	return AffinityNumeric
}
