//go:build !unix

package sqlitero

// decide uses mode=ro where there are no fcntl locks to tell whether
// another connection has the database open.
func decide(path string) (plan, error) {
	wal, err := headerSays(path)
	return plan{how: ReadOnly, wal: wal}, err
}

// cleanup does nothing where it cannot tell who else has the files open.
func cleanup(string, companions) error { return nil }
