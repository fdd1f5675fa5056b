package backup

import (
	"context"
	"database/sql"
	"fmt"
)

// Report is the outcome of Verify. OK means every check passed.
type Report struct {
	Path      string   `json:"path"`
	OK        bool     `json:"ok"`
	Recovered string   `json:"recovered,omitempty"`
	PageSize  int      `json:"page_size"`
	PageCount uint32   `json:"page_count"`
	Snapshot  Snapshot `json:"snapshot"`
	// BadPages lists pages whose CRC does not match the manifest (at most
	// maxListed), BadPageCount counts them all.
	BadPages     []uint32 `json:"bad_pages"`
	BadPageCount int      `json:"bad_page_count"`
	// IntegrityCheck is what PRAGMA integrity_check said ("ok" or its
	// first messages).
	IntegrityCheck []string `json:"integrity_check"`
	// IntegritySkipped says why PRAGMA integrity_check was not run: the
	// backup holds a SQLCipher database's ciphertext (Snapshot.Encrypted)
	// and the check needs the key.
	IntegritySkipped string `json:"integrity_check_skipped,omitempty"`
	// Problems says in words what failed, including a manifest or backup
	// that could not be opened at all.
	Problems []string `json:"problems"`
	// Version is the version of a store that was verified (VerifyStore).
	Version *Version `json:"version,omitempty"`
}

const maxListed = 100

// IntegrityNeedsKey is Report.IntegritySkipped for an encrypted backup.
const IntegrityNeedsKey = "encrypted: integrity_check needs the key"

// Verify checks the backup at path: the manifest (magic, version,
// checksum, digest, metadata), the file size, the CRC of every page, and
// SQLite's PRAGMA integrity_check on the file. An interrupted update is
// finished or undone first (see Open). Failed checks are reported in the
// Report; the error is for the context ending.
func Verify(ctx context.Context, path string) (*Report, error) {
	r := &Report{Path: path, BadPages: []uint32{}, IntegrityCheck: []string{}, Problems: []string{}}
	f, err := Open(path)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r, nil
	}
	defer f.Close()
	m := f.Manifest
	r.Recovered, r.PageSize, r.PageCount, r.Snapshot = f.Recovered, m.PageSize, m.PageCount, m.Snapshot
	buf := make([]byte, m.PageSize)
	for p := uint32(1); p <= m.PageCount; p++ {
		if p%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := f.Source.ReadPage(p, buf); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("page %d: %v", p, err))
			break
		}
		if !f.VerifyPage(p, buf) {
			r.BadPageCount++
			if len(r.BadPages) < maxListed {
				r.BadPages = append(r.BadPages, p)
			}
		}
	}
	if r.BadPageCount > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d of %d pages do not match their manifest CRC", r.BadPageCount, m.PageCount))
	}
	if f.Meta != nil {
		if h := f.Meta.Header; h.PageSize != m.PageSize || h.PageCount != m.PageCount {
			r.Problems = append(r.Problems, fmt.Sprintf("metadata describes %d pages of %d bytes, the manifest %d of %d", h.PageCount, h.PageSize, m.PageCount, m.PageSize))
		}
	}
	r.checkIntegrity(ctx, path, m.Snapshot.Encrypted)
	return r, nil
}

// checkIntegrity runs PRAGMA integrity_check on the database at path,
// records what it said, and settles OK. An encrypted database cannot be
// checked without the key: that is said (IntegritySkipped), and OK rests
// on the page CRCs and the digest alone.
func (r *Report) checkIntegrity(ctx context.Context, path string, encrypted bool) {
	if encrypted {
		r.IntegritySkipped = IntegrityNeedsKey
		r.OK = len(r.Problems) == 0
		return
	}
	var err error
	r.IntegrityCheck, err = integrityCheck(ctx, path)
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("integrity_check: %v", err))
	} else if len(r.IntegrityCheck) != 1 || r.IntegrityCheck[0] != "ok" {
		r.Problems = append(r.Problems, "PRAGMA integrity_check found problems")
	}
	r.OK = len(r.Problems) == 0
}

// integrityCheck runs PRAGMA integrity_check on the database file at path,
// opened read-only and immutable: SQLite takes no lock and creates no
// -wal or -shm beside it.
func integrityCheck(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite", fileURI(path, "mode=ro&immutable=1"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return queryIntegrity(ctx, db)
}

// queryIntegrity runs PRAGMA integrity_check on db, at most maxListed
// messages.
func queryIntegrity(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(`+fmt.Sprint(maxListed)+`)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
