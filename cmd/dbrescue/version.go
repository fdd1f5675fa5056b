package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v3"
)

// buildVersion is what the binary knows of itself, from the build info
// the Go toolchain embeds: the module version (a tag for `go install
// ...@v1.2.3`, "(devel)" for a build from a checkout), the commit and
// whether the tree had changes, and the Go version. It is the JSON
// document of `dbrescue version --json`.
type buildVersion struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Time     string `json:"commit_time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// readBuildVersion reads the build info; a binary without it (built
// outside module mode) says "unknown".
func readBuildVersion() buildVersion {
	v := buildVersion{Version: "unknown", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Version, v.Go = info.Main.Version, info.GoVersion
	if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one line `dbrescue --version` prints.
func (v buildVersion) String() string {
	s := "dbrescue " + v.Version
	if v.Commit != "" {
		s += ", commit " + v.Commit
		if v.Modified {
			s += " (with uncommitted changes)"
		}
	}
	return s + ", built with " + v.Go + " for " + v.Platform
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, commit and Go version of this binary",
		Description: "Prints what the binary knows of itself from its build info: the module version\n" +
			"(the tag given to go install, or (devel) for a build from a checkout), the commit\n" +
			"it was built from, and the Go version. `dbrescue --version` prints the same line.\n\n" +
			"Examples:\n" +
			"   dbrescue version\n" +
			"   dbrescue version --json",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "write one JSON document to stdout instead of text"}},
		Action: func(_ context.Context, cmd *cli.Command) error {
			if _, err := positionalArgs(cmd); err != nil {
				return err
			}
			v := readBuildVersion()
			if cmd.Bool("json") {
				return writeJSON(cmd.Writer, v)
			}
			_, err := fmt.Fprintln(cmd.Writer, v)
			return err
		},
	}
}

// printVersion is the root's --version.
func printVersion(cmd *cli.Command) {
	fmt.Fprintln(cmd.Root().Writer, readBuildVersion())
}
