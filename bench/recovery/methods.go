package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/dbrescue/dbrescue/corpus"
)

// method is one way of recovering a damaged database into a new one. run
// returns the verdict the method gave (dbrescue's report status; empty
// for methods that give none).
type method struct {
	name string
	run  func(ctx context.Context, b corpus.Built, out string) (string, error)
}

// slug is the method's name made file-name safe.
func (m method) slug() string {
	return strings.NewReplacer(" ", "-", ".", "", "+", "").Replace(m.name)
}

// availableMethods probes each method and says on stderr why one is
// skipped.
func availableMethods(ctx context.Context, cli, dir string, stderr io.Writer) []method {
	truths := truthCache{}
	methods := []method{{
		name: "sqlite-select",
		run: func(ctx context.Context, b corpus.Built, out string) (string, error) {
			truth, err := truths.get(ctx, b.Original)
			if err != nil {
				return "", err
			}
			_, err = corpus.SelectCopy(ctx, truth, b.Broken, out)
			return "", err
		},
	}}
	if shell, why := probeRecover(ctx, dir); shell != "" {
		methods = append(methods, method{name: "sqlite3 .recover", run: func(ctx context.Context, b corpus.Built, out string) (string, error) {
			return "", shellRecover(ctx, shell, b.Broken, out)
		}})
	} else {
		fmt.Fprintf(stderr, "skipping sqlite3 .recover: %s\n", why)
	}
	if err := exec.CommandContext(ctx, cli, "repair", "--help").Run(); err != nil {
		fmt.Fprintf(stderr, "skipping dbrescue repair: `dbrescue repair --help` fails (%v): the command does not exist yet\n", err)
		return methods
	}
	methods = append(methods, method{name: "dbrescue repair", run: func(ctx context.Context, b corpus.Built, out string) (string, error) {
		return repair(ctx, cli, out, b.Broken)
	}})
	// Insurance taken from the original, as it would have been before the
	// damage, once per original, kept apart from the originals so none is
	// modified: a metadata backup, and a page-level backup (which carries
	// the metadata backup of its own snapshot).
	for _, ins := range []struct{ command, suffix, flag string }{
		{"metabackup", ".meta", "--meta"},
		{"backup", ".backup", "--backup"},
	} {
		if err := exec.CommandContext(ctx, cli, ins.command, "--help").Run(); err != nil {
			fmt.Fprintf(stderr, "skipping dbrescue repair %s: `dbrescue %s --help` fails (%v)\n", ins.flag, ins.command, err)
			continue
		}
		taken := map[string]string{}
		methods = append(methods, method{name: "dbrescue repair " + ins.flag, run: func(ctx context.Context, b corpus.Built, out string) (string, error) {
			file, ok := taken[b.Original.Path]
			if !ok {
				file = filepath.Join(filepath.Dir(out), filepath.Base(b.Original.Path)+ins.suffix)
				if res, err := exec.CommandContext(ctx, cli, ins.command, "-o", file, b.Original.Path).CombinedOutput(); err != nil {
					return "", fmt.Errorf("%s: %v\n%s", ins.command, err, res)
				}
				taken[b.Original.Path] = file
			}
			return repair(ctx, cli, out, b.Broken, ins.flag, file)
		}})
	}
	return methods
}

// repair runs dbrescue repair and returns the status its JSON report
// gives; exit 3 (partial) is a result like 0.
func repair(ctx context.Context, cli, out, broken string, extra ...string) (string, error) {
	args := append([]string{"repair"}, extra...)
	args = append(args, "-o", out, "--json", broken)
	cmd := exec.CommandContext(ctx, cli, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
		err = nil
	}
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var rep struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return "", fmt.Errorf("reading the JSON report: %v", err)
	}
	return rep.Status, nil
}

// probeRecover finds a sqlite3 shell whose .recover works, by recovering a
// small database with it. It returns the shell's path, or why not.
func probeRecover(ctx context.Context, dir string) (string, string) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		return "", "no sqlite3 on PATH"
	}
	probe := filepath.Join(dir, "recover-probe.db")
	db, err := sql.Open("sqlite", "file:"+probe)
	if err != nil {
		return "", err.Error()
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE t(x); INSERT INTO t VALUES (42)`)
	db.Close()
	if err != nil {
		return "", err.Error()
	}
	out := filepath.Join(dir, "recover-probe-out.db")
	if err := shellRecover(ctx, shell, probe, out); err != nil {
		version, _ := exec.CommandContext(ctx, shell, "--version").Output()
		return "", fmt.Sprintf("%s (%s) cannot run .recover: %v", shell, strings.Fields(string(version) + " ?")[0], err)
	}
	return shell, ""
}

// shellRecover pipes `sqlite3 BROKEN .recover` into `sqlite3 OUT`, on a
// copy of the damaged files so the shell cannot change them.
func shellRecover(ctx context.Context, shell, broken, out string) error {
	dir, err := os.MkdirTemp("", "dbrescue-recover-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, "broken.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(broken + suffix)
		if err != nil {
			if suffix == "" {
				return err
			}
			continue
		}
		if err := os.WriteFile(cp+suffix, b, 0o644); err != nil {
			return err
		}
	}
	dump := exec.CommandContext(ctx, shell, cp, ".recover")
	var sqlText, stderr bytes.Buffer
	dump.Stdout, dump.Stderr = &sqlText, &stderr
	if err := dump.Run(); err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	load := exec.CommandContext(ctx, shell, out)
	load.Stdin = &sqlText
	if res, err := load.CombinedOutput(); err != nil {
		return fmt.Errorf("loading the recovered SQL: %v: %s", err, res)
	}
	return nil
}
