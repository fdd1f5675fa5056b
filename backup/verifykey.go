package backup

import (
	"context"
	"fmt"

	"github.com/dbrescue/dbrescue/internal/sqlitero"
	"github.com/dbrescue/dbrescue/pagefile"
)

// CheckDecrypted runs the PRAGMA integrity_check that Verify skipped on
// an encrypted backup (IntegritySkipped), now that the caller has the key:
// SQLite reads the backup at path through pagefile's decrypting view (c,
// derived from the backup's own salt), which writes nothing, so no
// decrypted copy is ever put on disk. Verify's CRC and digest checks
// stand; OK is settled again. A report that skipped nothing is left as it
// is.
func (r *Report) CheckDecrypted(ctx context.Context, path string, c *pagefile.Cipher) {
	if r.IntegritySkipped == "" || c == nil {
		return
	}
	r.IntegritySkipped = ""
	msgs, err := decryptedIntegrityCheck(ctx, path, c)
	r.IntegrityCheck = msgs
	switch {
	case err != nil:
		r.Problems = append(r.Problems, fmt.Sprintf("integrity_check with the key: %v", err))
	case len(msgs) != 1 || msgs[0] != "ok":
		r.Problems = append(r.Problems, "PRAGMA integrity_check (decrypted with the key) found problems")
	}
	r.OK = len(r.Problems) == 0
}

// decryptedIntegrityCheck is integrityCheck through the decrypting view.
func decryptedIntegrityCheck(ctx context.Context, path string, c *pagefile.Cipher) ([]string, error) {
	db, err := sqlitero.Open(ctx, path, sqlitero.Options{Cipher: c})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return queryIntegrity(ctx, db.DB)
}
