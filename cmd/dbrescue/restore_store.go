package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/dbrescue/dbrescue/backup"
	"github.com/dbrescue/dbrescue/pagefile"
)

// restoreFromStore is restore with a store URL.
func restoreFromStore(ctx context.Context, cmd *cli.Command, url, out string) error {
	if out == "" {
		return usageErrorf(cmd.FullName(), "restoring from a store: say where with -o DB")
	}
	o, err := storeReadOptions(cmd)
	if err != nil {
		return err
	}
	o.Force = cmd.Bool("force")
	st, err := openStore(ctx, cmd, url)
	if err != nil {
		return err
	}
	progress, done := progressOnTerminal(cmd.Root().ErrWriter)
	o.Progress = progress
	res, err := backup.RestoreFromStore(ctx, st, out, o)
	done()
	if err != nil {
		return err
	}
	return printRestore(cmd, res)
}

// verifyStore is verify with a store URL.
func verifyStore(ctx context.Context, cmd *cli.Command, url string) (*backup.Report, error) {
	o, err := storeReadOptions(cmd)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cmd, url)
	if err != nil {
		return nil, err
	}
	if key, _, err := readKey(cmd); err != nil {
		return nil, err
	} else if key != nil {
		key.Zero()
		// The version is downloaded to a temporary file, which
		// messages name: say which store it came from.
		o.Decrypt = func(path string) (*pagefile.Cipher, error) {
			c, err := inputCipher(cmd, path)
			if err != nil {
				return nil, fmt.Errorf("the version of %s downloaded to %w", url, err)
			}
			return c, nil
		}
	}
	progress, done := progressOnTerminal(cmd.Root().ErrWriter)
	o.Progress = progress
	r, err := backup.VerifyStore(ctx, st, o)
	done()
	return r, err
}

// storeReadOptions reads --version, --at and --encrypt-key-file.
func storeReadOptions(cmd *cli.Command) (backup.StoreReadOptions, error) {
	var o backup.StoreReadOptions
	var err error
	if o.Selector, err = storeSelector(cmd); err != nil {
		return o, err
	}
	o.Key, err = storeKey(cmd)
	return o, err
}

// refuseStoreFlags fails when a flag that only applies to a store was
// given for a local backup (arg names what was given instead of a URL).
func refuseStoreFlags(cmd *cli.Command, arg string, flags ...string) error {
	for _, f := range flags {
		if cmd.IsSet(f) && (f != "encrypt-key-file" || !keyFromEnv()) {
			return usageErrorf(cmd.FullName(), "--%s applies to a store URL (s3://… or file://…), not to a %s", f, arg)
		}
	}
	return nil
}

// openStoreBackup opens the newest version of a store for repair --backup.
func openStoreBackup(ctx context.Context, cmd *cli.Command, url string) (*backup.StoreVersion, error) {
	k, err := storeKey(cmd)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cmd, url)
	if err != nil {
		return nil, err
	}
	sv, err := backup.OpenStoreVersion(ctx, st, backup.StoreReadOptions{Key: k})
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", url, err)
	}
	return sv, nil
}
