package inspect

import "github.com/dbrescue/dbrescue/pagefile"

// EncryptionReport says how an encrypted database was read.
type EncryptionReport = pagefile.DecryptionReport

// encryptionReport describes the decryption, nil for a plain database.
// The census has read every page by now, so every failure is known.
func (in *Inspection) encryptionReport() *EncryptionReport {
	return pagefile.ReportDecryption(in.File)
}
