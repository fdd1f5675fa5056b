package recover

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// builtinModules are the virtual table modules whose tables a repair
// recreates: SQLite's own (FTS, R-Tree, geopoly). Any other module would
// run code the repair does not know; its tables are rejected and their
// shadow tables kept as plain tables.
var builtinModules = map[string]bool{
	"fts5": true, "fts5vocab": true, "rtree": true, "rtree_i32": true, "geopoly": true, "fts4": true, "fts3": true,
}

// vtabGrant is what the authorizer lets a CREATE VIRTUAL TABLE of a
// built-in module do while it runs: its module creates shadow tables
// (named after the virtual table, with an underscore) and writes their
// first rows, and reads the page size. The grant starts when SQLite
// authorizes the CREATE VIRTUAL TABLE and ends when the statement returns.
type vtabGrant struct {
	mu     sync.Mutex
	prefix string // lower-case "name_" of the virtual table being created, "" when none
}

func (g *vtabGrant) begin(name string) {
	g.mu.Lock()
	g.prefix = strings.ToLower(name) + "_"
	g.mu.Unlock()
}

// end closes the grant; the caller calls it when the statement returns.
func (g *vtabGrant) end() {
	g.mu.Lock()
	g.prefix = ""
	g.mu.Unlock()
}

// covers reports whether table is a shadow table of the virtual table
// being created.
func (g *vtabGrant) covers(table string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.prefix != "" && strings.HasPrefix(strings.ToLower(table), g.prefix)
}

// installDDLAuthorizer lets untrusted SQL on conn create tables, indexes,
// views and triggers in the main schema, virtual tables of the built-in
// modules (and, while one is created, its shadow tables), and read what
// they need, and nothing else; statements run while trusted is set are not
// restricted.
func installDDLAuthorizer(conn *sql.Conn, trusted *atomic.Bool, vtab *vtabGrant) error {
	return conn.Raw(func(driverConn any) error {
		reg, ok := driverConn.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("recover: the SQLite driver has no authorizer")
		}
		return reg.RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, arg1, arg2, dbName, _ string) sqlite.AuthorizerReturnCode {
			if trusted.Load() || allowed(action, arg1, arg2, dbName, vtab) {
				return sqlite.AuthorizerOK
			}
			return sqlite.AuthorizerDeny
		})
	})
}

// allowed is the policy for untrusted SQL.
func allowed(action sqlite.AuthorizerActionCode, arg1, arg2, dbName string, vtab *vtabGrant) bool {
	switch action {
	case sqlite.AuthCreateTable, sqlite.AuthCreateIndex, sqlite.AuthCreateView, sqlite.AuthCreateTrigger,
		sqlite.AuthReindex: // CREATE INDEX asks to build the new index
		return dbName == "main"
	case sqlite.AuthCreateVTable:
		// arg1 is the table, arg2 the module.
		if dbName != "main" || !builtinModules[strings.ToLower(arg2)] {
			return false
		}
		vtab.begin(arg1)
		return true
	case sqlite.AuthRead, sqlite.AuthSelect, sqlite.AuthRecursive:
		return true
	case sqlite.AuthFunction:
		// Functions a CREATE may name (in a DEFAULT, CHECK, index
		// expression or view); none of the built-ins touches files.
		return arg1 != "load_extension"
	case sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete:
		// SQLite records a new object in sqlite_master itself; a module
		// writes the first rows of its own shadow tables.
		return (action != sqlite.AuthDelete && (arg1 == "sqlite_master" || arg1 == "sqlite_schema")) || vtab.covers(arg1)
	case sqlite.AuthPragma:
		// R-Tree reads the page size to size its nodes.
		return arg1 == "page_size" && arg2 == "" && vtab.active()
	}
	return false
}

// active reports whether a virtual table is being created.
func (g *vtabGrant) active() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.prefix != ""
}
