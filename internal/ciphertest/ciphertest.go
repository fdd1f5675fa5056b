// Package ciphertest makes and reads SQLCipher-encrypted databases with
// real SQLCipher, for tests: the sqlcipher3-exec and sqlcipher4-exec tools
// that .ci/sqlcipher.sh builds (Debian's SQLCipher 3.4.1, and SQLCipher
// 4.5.5 from its amalgamation). Files made by dbrescue's own cipher code
// would prove only that it agrees with itself.
//
// Tests find the tools in $DBRESCUE_SQLCIPHER_DIR, else in DefaultDir.
// Without them a test is skipped with a message saying how to get them,
// unless $DBRESCUE_REQUIRE_SQLCIPHER is set (CI sets it): then it fails.
//
// What it does not know: anything about pages. It runs SQL and returns
// typed values.
package ciphertest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Environment variables and the default install directory.
const (
	DirEnv     = "DBRESCUE_SQLCIPHER_DIR"
	RequireEnv = "DBRESCUE_REQUIRE_SQLCIPHER"
	DefaultDir = "/usr/local/lib/dbrescue-sqlcipher"
)

// Tool is one SQLCipher build.
type Tool struct {
	Path string
	// Major is SQLCipher's major version (3 or 4); Preset the dbrescue
	// cipher preset of its defaults.
	Major  int
	Preset string
}

// Find returns the SQLCipher build of the given major version (3 or 4), or
// skips the test (fails it when $DBRESCUE_REQUIRE_SQLCIPHER is set).
func Find(t testing.TB, major int) Tool {
	t.Helper()
	dir := os.Getenv(DirEnv)
	if dir == "" {
		dir = DefaultDir
	}
	path := filepath.Join(dir, fmt.Sprintf("sqlcipher%d-exec", major))
	if st, err := os.Stat(path); err != nil || st.Mode()&0o111 == 0 {
		msg := fmt.Sprintf("SQLCipher %d test tool not found at %s: run `bash .ci/sqlcipher.sh` (or set %s)", major, path, DirEnv)
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%s; %s is set, so it is required", msg, RequireEnv)
		}
		t.Skip(msg)
	}
	return Tool{Path: path, Major: major, Preset: fmt.Sprintf("sqlcipher%d", major)}
}

// Exec runs sql against the database at db with SQLCipher and returns the
// result rows. The key is set first with PRAGMA key = keySQL (a quoted
// passphrase 'secret', or "x'<hex>'" for a raw key); pragmas (such as
// "PRAGMA cipher_page_size = 4096") follow it. With crash set the tool
// exits without closing the database, as a crash would.
func (tl Tool) Exec(db, keySQL string, pragmas []string, sql string, crash bool) ([][]any, error) {
	var in strings.Builder
	fmt.Fprintf(&in, "PRAGMA key = %s;\n", keySQL)
	for _, p := range pragmas {
		fmt.Fprintf(&in, "%s;\n", p)
	}
	// No fsync: tests need SQLCipher's bytes, not their durability (a
	// crash here is a process exit, which loses nothing written). After
	// the cipher pragmas: it reads the database.
	in.WriteString("PRAGMA synchronous = OFF;\n")
	// What the key and the pragmas print (SQLCipher 4's "ok", a journal
	// mode) is not the caller's: its rows start after this marker.
	fmt.Fprintf(&in, "SELECT '%s';\n", beginMarker)
	in.WriteString(sql)
	cmd := exec.Command(tl.Path, db)
	cmd.Stdin = strings.NewReader(in.String())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = os.Environ()
	if crash {
		cmd.Env = append(cmd.Env, "SQLCIPHER_EXEC_CRASH=1")
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sqlcipher%d-exec %s: %v: %s", tl.Major, db, err, strings.TrimSpace(errb.String()))
	}
	rows, err := parseRows(out.String())
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if len(r) == 1 && r[0] == beginMarker {
			return rows[i+1:], nil
		}
	}
	return nil, fmt.Errorf("sqlcipher%d-exec %s: no output marker", tl.Major, db)
}

// beginMarker separates the output of the key and pragmas from the rows.
const beginMarker = "dbrescue-ciphertest-begin"

// MustExec is Exec that fails the test on error.
func (tl Tool) MustExec(t testing.TB, db, keySQL string, pragmas []string, sql string) [][]any {
	t.Helper()
	rows, err := tl.Exec(db, keySQL, pragmas, sql, false)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// parseRows decodes the tool's output: a line per row, tab-separated
// typed values (N, I<int>, R<float>, T<hex>, B<hex>), into nil, int64,
// float64, string and []byte, as database/sql gives them.
func parseRows(out string) ([][]any, error) {
	var rows [][]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var row []any
		for _, f := range strings.Split(line, "\t") {
			v, err := parseValue(f)
			if err != nil {
				return nil, fmt.Errorf("sqlcipher output %q: %w", f, err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func parseValue(f string) (any, error) {
	if f == "" {
		return nil, fmt.Errorf("empty value")
	}
	body := f[1:]
	switch f[0] {
	case 'N':
		return nil, nil
	case 'I':
		return strconv.ParseInt(body, 10, 64)
	case 'R':
		return strconv.ParseFloat(body, 64)
	case 'T':
		b, err := hex.DecodeString(body)
		return string(b), err
	case 'B':
		b, err := hex.DecodeString(body)
		if b == nil {
			b = []byte{}
		}
		return b, err
	}
	return nil, fmt.Errorf("unknown type %q", f[0])
}

// Tables returns every row of each table, ordered by its first column
// (the key of every MessengerSQL table), as SQLCipher reads them from db,
// in one run of the tool (one key derivation).
func (tl Tool) Tables(t testing.TB, db, keySQL string, pragmas []string, tables []string) map[string][][]any {
	t.Helper()
	var q strings.Builder
	for _, tab := range tables {
		fmt.Fprintf(&q, "SELECT '%s', %s;\nSELECT * FROM %q ORDER BY 1;\n", tableMarker, quote(tab), tab)
	}
	rows := tl.MustExec(t, db, keySQL, pragmas, q.String())
	out := map[string][][]any{}
	var cur string
	for _, r := range rows {
		if len(r) == 2 && r[0] == tableMarker {
			cur = r[1].(string)
			out[cur] = [][]any{}
			continue
		}
		out[cur] = append(out[cur], r)
	}
	return out
}

// tableMarker starts the rows of each table in Tables' output.
const tableMarker = "dbrescue-ciphertest-table"

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
