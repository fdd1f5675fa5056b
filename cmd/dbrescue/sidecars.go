package main

import (
	"github.com/urfave/cli/v3"
)

// journalFlags are --journal and --no-journal, for the commands that read a
// database with its hot rollback journal rolled back.
func journalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "journal", Usage: "roll back this rollback `JOURNAL` instead of DB-journal"},
		&cli.BoolFlag{Name: "no-journal", Usage: "ignore any rollback journal: read the main file as it is, uncommitted pages and all"},
	}
}

// walFlags are --wal and --no-wal, for the commands that overlay a WAL.
func walFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "wal", Usage: "overlay this `WAL` instead of DB-wal"},
		&cli.BoolFlag{Name: "no-wal", Usage: "ignore any WAL"},
	}
}

// sidecarChoice reads a pair of flags, --NAME FILE naming a file beside the
// database and --no-NAME declining it; giving both is a usage error.
func sidecarChoice(cmd *cli.Command, name string) (path string, none bool, err error) {
	path, none = cmd.String(name), cmd.Bool("no-"+name)
	if cmd.IsSet(name) && none {
		return "", false, usageErrorf(cmd.FullName(), "--%s and --no-%s cannot be used together", name, name)
	}
	return path, none, nil
}
