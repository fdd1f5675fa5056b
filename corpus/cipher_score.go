package corpus

import (
	"context"
	"fmt"

	"github.com/dbrescue/dbrescue/internal/sqlitero"
	"github.com/dbrescue/dbrescue/pagefile"
)

// RecordTruthEncrypted is RecordTruth for a SQLCipher database: SQLite
// reads it through sqlitero's decrypting read-only view (no copy is
// needed: nothing can write through it) and the rows are located in the
// decrypted pages. With a nil ci it is RecordTruth.
func RecordTruthEncrypted(ctx context.Context, path string, ci *pagefile.Cipher) (*Truth, error) {
	return recordTruth(ctx, path, ci)
}

func encryptedTruth(ctx context.Context, path string, ci *pagefile.Cipher) (*Truth, error) {
	db, err := sqlitero.Open(ctx, path, sqlitero.Options{Cipher: ci})
	if err != nil {
		return nil, fmt.Errorf("corpus: reading the truth from %s: %w", path, err)
	}
	defer db.Close()
	return locateTruth(ctx, db.DB, path, ci)
}

// ScoreEncrypted is Score for a repaired database written encrypted
// (repair --encrypt-output), read through ci. With a nil ci it is Score.
func ScoreEncrypted(ctx context.Context, truth *Truth, repairedPath string, damage *Damage, ci *pagefile.Cipher) (*Scorecard, error) {
	return scoreWith(ctx, truth, repairedPath, damage, sqlitero.Options{Cipher: ci})
}
