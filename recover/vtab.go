package recover

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/dbrescue/dbrescue/internal/sqlident"
)

// Virtual tables come back through SQLite: accept creates a virtual table
// of a built-in module in the sandbox (its module creating its shadow
// tables, whose rows the repair then restores verbatim). The modules this
// build of SQLite lacks (FTS3 and FTS4: modernc.org/sqlite has FTS5 and
// R-Tree only) cannot be created; their tables are written as SQLite
// itself stores them, a sqlite_master row with root page 0 beside their
// shadow tables (which are plain tables in sqlite_master), so the phone's
// SQLite, which has the module, reads them. Their text must pass
// schemaRowVTab's strict tokenizer instead of SQLite's parser.

// schemaRowModules are the built-in modules whose tables are written as
// schema rows when this SQLite cannot create them.
var schemaRowModules = map[string]bool{"fts3": true, "fts4": true}

// vtabModule returns the module of a CREATE VIRTUAL TABLE statement, lower
// case, or "" when text is not one.
func vtabModule(text string) string {
	toks, ok := sqlTokens(text)
	if !ok {
		return ""
	}
	for i := 0; i+1 < len(toks); i++ {
		if strings.EqualFold(toks[i], "USING") {
			return strings.ToLower(unquote(toks[i+1]))
		}
	}
	return ""
}

// schemaRowVTab reports whether text is exactly one CREATE VIRTUAL TABLE
// statement creating name with a module of schemaRowModules: CREATE
// VIRTUAL TABLE [IF NOT EXISTS] name USING fts3|fts4(arguments), the
// arguments only names, strings, numbers, '=', ',' and balanced
// parentheses, nothing after the closing parenthesis but a semicolon.
func schemaRowVTab(name, text string) (module string, ok bool) {
	toks, ok := sqlTokens(text)
	if !ok {
		return "", false
	}
	want := []string{"CREATE", "VIRTUAL", "TABLE"}
	if len(toks) < len(want) {
		return "", false
	}
	for i, w := range want {
		if !strings.EqualFold(toks[i], w) {
			return "", false
		}
	}
	toks = toks[len(want):]
	if len(toks) >= 3 && strings.EqualFold(toks[0], "IF") && strings.EqualFold(toks[1], "NOT") && strings.EqualFold(toks[2], "EXISTS") {
		toks = toks[3:]
	}
	if len(toks) < 5 || !strings.EqualFold(unquote(toks[0]), name) || !strings.EqualFold(toks[1], "USING") {
		return "", false
	}
	module = strings.ToLower(unquote(toks[2]))
	if !schemaRowModules[module] || toks[3] != "(" {
		return "", false
	}
	depth := 0
	for i, t := range toks[3:] {
		switch t {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				rest := toks[3+i+1:]
				return module, len(rest) == 0 || (len(rest) == 1 && rest[0] == ";")
			}
		case ";":
			return "", false
		}
	}
	return "", false
}

// sqlTokens splits text into SQL tokens: words (letters, digits, _ and $),
// quoted names and strings (kept with their quotes), and the punctuation
// ( ) , = ; . ok is false for anything else (comments included), so that
// a statement it accepts holds nothing it cannot see.
func sqlTokens(text string) (toks []string, ok bool) {
	for i := 0; i < len(text); {
		c := rune(text[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("(),=;", c):
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'' || c == '`' || c == '[':
			end := c
			if c == '[' {
				end = ']'
			}
			j := i + 1
			for ; j < len(text); j++ {
				if rune(text[j]) == end {
					if end != ']' && j+1 < len(text) && rune(text[j+1]) == end {
						j++ // a doubled quote
						continue
					}
					break
				}
			}
			if j >= len(text) {
				return nil, false
			}
			toks = append(toks, text[i:j+1])
			i = j + 1
		case wordRune(c):
			j := i
			for j < len(text) {
				d := rune(text[j])
				if !wordRune(d) {
					break
				}
				if d == '-' && j+1 < len(text) && text[j+1] == '-' {
					return nil, false // a comment
				}
				j++
			}
			toks = append(toks, text[i:j])
			i = j
		default:
			return nil, false
		}
	}
	return toks, true
}

// wordRune reports whether c belongs to a word token.
func wordRune(c rune) bool {
	return c == '_' || c == '$' || c == '.' || c == '-' || c == '+' || c >= 0x80 || unicode.IsLetter(c) || unicode.IsDigit(c)
}

// unquote strips the quotes of a quoted name.
func unquote(tok string) string {
	if len(tok) >= 2 {
		switch tok[0] {
		case '"', '\'', '`':
			return strings.ReplaceAll(tok[1:len(tok)-1], tok[:1]+tok[:1], tok[:1])
		case '[':
			return tok[1 : len(tok)-1]
		}
	}
	return tok
}

// writeSchemaRows writes the sqlite_master row of every virtual table this
// SQLite cannot create, as SQLite itself stores one: type table, root page
// 0. The text was accepted by schemaRowVTab, never run.
func (r *repairer) writeSchemaRows(ctx context.Context) error {
	for _, t := range r.plan.tables {
		if !t.schemaRow {
			continue
		}
		if err := r.out.trustedExec(ctx, `PRAGMA writable_schema = ON`); err != nil {
			return err
		}
		err := r.out.trustedExec(ctx, `INSERT INTO sqlite_master(type, name, tbl_name, rootpage, sql) VALUES ('table', ?, ?, 0, ?)`, t.Name, t.Name, t.SQL)
		if off := r.out.trustedExec(ctx, `PRAGMA writable_schema = OFF`); err == nil {
			err = off
		}
		if err != nil {
			return err
		}
		r.warn("virtual table %q (%s) is written as its sqlite_master row beside its shadow tables: this build of SQLite has no %s module to create it, SQLite on the device does", t.Name, t.module, t.module)
	}
	return nil
}

// checkFTS5 asks every FTS5 table recreated whether its index agrees with
// its content (the 'integrity-check' command), and rebuilds the index from
// the content when it does not, or when one of its index shadow tables
// lost pages or rows. A contentless table (content=”) has nothing to
// rebuild from: what survived of its index is all there is.
func (r *repairer) checkFTS5(ctx context.Context) {
	for _, t := range r.plan.tables {
		if !t.Virtual || t.module != "fts5" || !t.created {
			continue
		}
		damaged := false
		for _, sfx := range []string{"_data", "_idx", "_docsize"} {
			if s := r.plan.byName[strings.ToLower(t.Name+sfx)]; s != nil && s.lossy() {
				damaged = true
			}
		}
		q := sqlident.Quote(t.Name)
		if !damaged && r.out.trustedExec(ctx, fmt.Sprintf(`INSERT INTO %s(%s) VALUES ('integrity-check')`, q, q)) == nil {
			continue
		}
		if err := r.out.trustedExec(ctx, fmt.Sprintf(`INSERT INTO %s(%s) VALUES ('rebuild')`, q, q)); err != nil {
			r.reason(Reason{Code: ReasonSchema, Table: t.Name, Text: fmt.Sprintf("FTS5 table %q: its index is damaged and could not be rebuilt from its content (%v): MATCH may miss rows", t.Name, err)})
			continue
		}
		for _, sfx := range []string{"_data", "_idx", "_docsize"} {
			if s := r.plan.byName[strings.ToLower(t.Name+sfx)]; s != nil {
				s.rebuilt = true
			}
		}
		r.warn("FTS5 table %q: its index was damaged and is rebuilt from its content", t.Name)
	}
}

// lossy reports whether t's rows are known to be incomplete or some were
// set aside.
func (t *table) lossy() bool {
	return t.incomplete || t.rep.ToLostAndFound > 0 || t.rep.Rejected > 0 || t.rep.Truncated > 0 || t.rep.Damaged > 0
}
