package inspect

import "github.com/dbrescue/dbrescue/pagefile"

// EncryptionReport says how an encrypted database was read: the cipher's
// parameters (never the key) and the pages whose HMAC failed, damaged
// after SQLCipher wrote them and decrypted all the same.
type EncryptionReport struct {
	Cipher string `json:"cipher"`
	// Authenticated is false when the pages cannot be checked (no HMAC
	// in these parameters, or a raw key whose salt is lost).
	Authenticated   bool     `json:"authenticated"`
	HMACFailedPages []uint32 `json:"hmac_failed_pages,omitempty"`
}

// encryptionReport describes the decryption, nil for a plain database.
// The census has read every page by now, so every failure is known.
func (in *Inspection) encryptionReport() *EncryptionReport {
	d := pagefile.Decryption(in.File)
	if d == nil {
		return nil
	}
	c := d.Cipher()
	rep := &EncryptionReport{Cipher: c.Params.String(), Authenticated: c.Verified}
	for _, e := range d.Failures() {
		rep.HMACFailedPages = append(rep.HMACFailedPages, e.Pgno)
	}
	return rep
}
