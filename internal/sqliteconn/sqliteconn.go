// Package sqliteconn opens a database/sql pool on a modernc.org/sqlite
// Driver of the caller's own, rather than on the one registered as
// "sqlite": collations and functions registered on such a driver reach
// only the connections it opens, so one repair's stand-in collations (or
// a test's imitation of a phone's) never leak into another's.
//
// It knows nothing of what the driver registers or of the DSN.
package sqliteconn

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"modernc.org/sqlite"
)

// Open returns a pool whose connections d opens with dsn, as sql.Open
// would with the registered driver.
func Open(d *sqlite.Driver, dsn string) *sql.DB {
	return sql.OpenDB(connector{d: d, dsn: dsn})
}

type connector struct {
	d   *sqlite.Driver
	dsn string
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.d.Open(c.dsn)
}

func (c connector) Driver() driver.Driver { return c.d }
